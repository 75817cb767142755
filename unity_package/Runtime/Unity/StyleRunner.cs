using System;
using StyleBridge.Contract;
using Unity.Barracuda;
using UnityEngine;

namespace StyleBridge.Unity
{
    /// <summary>
    /// Runs a style model with Barracuda on a texture: keeps the source's aspect ratio, pads it to the model's size
    /// multiple (edge texels fill the padding), applies the contract's scale, bias and colour conversion, runs, crops
    /// back. Works as a camera effect in the built-in pipeline (applyToCamera), and exposes <see cref="Output"/> for
    /// URP/HDRP users to blit themselves. Render textures are made once per size, not per frame.
    /// </summary>
    [AddComponentMenu("StyleBridge/Style Runner")]
    [DisallowMultipleComponent]
    public sealed class StyleRunner : MonoBehaviour
    {
        [Tooltip("A model Unity imported (.onnx as NNModel); leave empty to load one at runtime (hot-swapper)")]
        public NNModel modelAsset;

        [Tooltip("The sidecar JSON exported beside the model, used when the model's metadata carries no contract")]
        public TextAsset sidecarJson;

        [Tooltip("Barracuda backend; ComputePrecompiled falls back to CSharpBurst where compute shaders are missing")]
        public WorkerFactory.Type workerType = WorkerFactory.Type.ComputePrecompiled;

        [Tooltip("Height the model runs at (0: the source's own height); width follows the aspect ratio")]
        public int workingHeight;

        [Tooltip("Stylize the camera image (built-in pipeline); off when another component drives Stylize")]
        public bool applyToCamera = true;

        StyleModel model;
        EngineConversion conversion;
        Material convert;
        RenderTexture paddedInput, paddedOutput, output;
        FrameGeometry geometry;

        /// <summary>The last stylized frame, at the working size (null before the first).</summary>
        public RenderTexture Output
        {
            get { return output; }
        }

        public StyleModel Model
        {
            get { return model; }
        }

        void OnEnable()
        {
            convert = new Material(Resources.Load<Shader>("StyleBridgeConvert"));
            if (modelAsset != null && model == null)
            {
                try
                {
                    var sidecar = sidecarJson == null ? null : ModelSidecar.Parse(sidecarJson.bytes, sidecarJson.name);
                    Swap(StyleModel.FromAsset(modelAsset, sidecar, workerType));
                }
                catch (Exception exc)
                {
                    Debug.LogError("StyleBridge: cannot load " + modelAsset.name + ": " + exc.Message);
                }
            }
        }

        /// <summary>Make <paramref name="next"/> the running model and dispose the previous one.</summary>
        public void Swap(StyleModel next)
        {
            foreach (var warning in next.Warnings)
                Debug.LogWarning("StyleBridge: " + next.Name + " import warning: " + warning);
            var previous = model;
            model = next;
            conversion = new EngineConversion(next.Contract, QualitySettings.activeColorSpace == ColorSpace.Linear);
            geometry = default(FrameGeometry); // sizes may differ (size multiple): textures are remade on the next frame
            if (previous != null)
                previous.Dispose();
            Debug.Log("StyleBridge: running " + next.Name + " (" + next.Contract + ") on " + next.WorkerType);
        }

        /// <summary>Stylize <paramref name="source"/> into <see cref="Output"/>; false while no model is loaded.</summary>
        public bool Stylize(Texture source)
        {
            if (model == null)
                return false;
            Prepare(source.width, source.height);
            convert.SetVector("_UVTransform", new Vector4(geometry.PadScaleX, geometry.PadScaleY, 0, 0));
            Graphics.Blit(source, paddedInput, convert, conversion.EncodeInputAsSrgb ? 1 : 0);
            model.Run(paddedInput, paddedOutput, conversion);
            convert.SetVector("_UVTransform", new Vector4(geometry.CropScaleX, geometry.CropScaleY, 0, 0));
            Graphics.Blit(paddedOutput, output, convert, conversion.DecodeOutputToLinear ? 2 : 0);
            return true;
        }

        /// <summary>(Re)create the render textures when the frame's geometry changes; never per frame.</summary>
        void Prepare(int width, int height)
        {
            var wanted = FrameGeometry.Fit(width, height, workingHeight, model.Contract.SizeMultiple);
            if (paddedInput != null && wanted.Equals(geometry))
                return;
            ReleaseTextures();
            geometry = wanted;
            // the padded textures hold contract values (sRGB-encoded) as they are: no sRGB conversion on read or write
            paddedInput = Texture(geometry.PaddedWidth, geometry.PaddedHeight, RenderTextureReadWrite.Linear);
            paddedOutput = Texture(geometry.PaddedWidth, geometry.PaddedHeight, RenderTextureReadWrite.Linear);
            output = Texture(geometry.ContentWidth, geometry.ContentHeight, RenderTextureReadWrite.Default);
            Debug.Log("StyleBridge: frames " + geometry);
        }

        static RenderTexture Texture(int width, int height, RenderTextureReadWrite readWrite)
        {
            var texture = new RenderTexture(width, height, 0, RenderTextureFormat.ARGB32, readWrite);
            texture.Create();
            return texture;
        }

        void OnRenderImage(RenderTexture source, RenderTexture destination)
        {
            if (applyToCamera && Stylize(source))
                Graphics.Blit(output, destination);
            else
                Graphics.Blit(source, destination);
        }

        void ReleaseTextures()
        {
            foreach (var texture in new[] { paddedInput, paddedOutput, output })
            {
                if (texture != null)
                {
                    texture.Release();
                    Destroy(texture);
                }
            }
            paddedInput = paddedOutput = output = null;
        }

        void OnDisable()
        {
            ReleaseTextures();
            if (model != null)
                model.Dispose();
            model = null;
            if (convert != null)
                Destroy(convert);
        }
    }
}
