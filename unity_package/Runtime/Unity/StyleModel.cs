using System;
using System.Collections.Generic;
using System.IO;
using StyleBridge.Contract;
using Unity.Barracuda;
using Unity.Barracuda.ONNX;
using UnityEngine;

namespace StyleBridge.Unity
{
    /// <summary>
    /// One loaded style model: the Barracuda model and worker, and the pixel contract that says how texels become its
    /// input and its output becomes texels (read from the ONNX metadata, with the sidecar JSON as fallback; a model
    /// whose two sources disagree is refused). Dispose it to release the worker.
    /// </summary>
    public sealed class StyleModel : IDisposable
    {
        readonly IWorker worker;

        StyleModel(string name, Model model, ModelSidecar sidecar, WorkerFactory.Type workerType)
        {
            Name = name;
            Contract = PixelContract.Resolve(model.Metadata, sidecar, name);
            Warnings = new List<string>();
            foreach (var warning in model.Warnings)
                Warnings.Add(warning.LayerName + ": " + warning.Message);
            WorkerType = workerType == WorkerFactory.Type.ComputePrecompiled && !SystemInfo.supportsComputeShaders
                ? WorkerFactory.Type.CSharpBurst // no compute shaders on this device: Barracuda's CPU backend
                : workerType;
            worker = WorkerFactory.CreateWorker(WorkerType, model, false);
        }

        public string Name { get; private set; }
        public PixelContract Contract { get; private set; }
        public WorkerFactory.Type WorkerType { get; private set; }

        /// <summary>The importer's warnings (unsupported attributes and the like), for the console and the inspector.</summary>
        public List<string> Warnings { get; private set; }

        /// <summary>An .onnx file converted at runtime (ONNXModelConverter; ModelLoader.Load reads Barracuda's own format).</summary>
        public static StyleModel FromOnnxFile(string onnxPath, ModelSidecar sidecar, WorkerFactory.Type workerType)
        {
            var model = new ONNXModelConverter(true, false, true).Convert(onnxPath);
            return new StyleModel(Path.GetFileName(onnxPath), model, sidecar, workerType);
        }

        /// <summary>A model Unity imported as an NNModel asset; pass its sidecar when the metadata lacks a contract.</summary>
        public static StyleModel FromAsset(NNModel asset, ModelSidecar sidecar, WorkerFactory.Type workerType)
        {
            return new StyleModel(asset.name, ModelLoader.Load(asset, false, false), sidecar, workerType);
        }

        /// <summary>Run the model on a padded, contract-ready input texture into a padded output texture.</summary>
        public void Run(RenderTexture input, RenderTexture output, EngineConversion conversion)
        {
            using (var tensor = new Tensor(input, EngineConversion.FlipY, Vector(conversion.InputScale),
                       Vector(conversion.InputBias), EngineConversion.Channels))
            {
                worker.Execute(tensor);
                worker.PeekOutput().ToRenderTexture(output, 0, 0, Vector(conversion.OutputScale),
                    Vector(conversion.OutputBias));
            }
        }

        /// <summary>One run on a small zero input, so kernels are compiled and memory allocated before the swap.</summary>
        public void WarmUp()
        {
            var side = 8 * Contract.SizeMultiple;
            using (var zeros = new Tensor(1, side, side, EngineConversion.Channels))
            {
                worker.Execute(zeros);
                worker.PeekOutput();
            }
        }

        static Vector4 Vector(float[] values)
        {
            return new Vector4(values[0], values[1], values[2], values[3]);
        }

        public void Dispose()
        {
            worker.Dispose();
        }
    }
}
