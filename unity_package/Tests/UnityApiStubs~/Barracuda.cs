// Declarations of the Barracuda 3.0.0 members the package uses. Signatures only; see README.md. Each names its
// source file in barracuda-release at tag 3.0.0 and its page in the API reference
// (https://docs.unity3d.com/Packages/com.unity.barracuda@3.0/api/Unity.Barracuda.<Type>.html).
using System;
using System.Collections.Generic;
using UnityEngine;

namespace Unity.Barracuda
{
    // Runtime/Core/Internals/NNModel.cs; api/Unity.Barracuda.NNModel.html
    public class NNModel : ScriptableObject
    {
    }

    // Runtime/Core/Model.cs; api/Unity.Barracuda.Model.html
    public class Model
    {
        public Dictionary<string, string> Metadata { get { throw null; } private set { throw null; } }
        public List<ImporterWarning> Warnings { get { throw null; } }

        // https://docs.unity3d.com/Packages/com.unity.barracuda@3.0/api/Unity.Barracuda.Model.ImporterWarning.html
        public class ImporterWarning
        {
            public string Message { get { throw null; } }
            public string LayerName { get { throw null; } }
        }
    }

    // Runtime/Core/ModelLoader.cs; api/Unity.Barracuda.ModelLoader.html
    public static class ModelLoader
    {
        public static Model Load(NNModel model, bool verbose = false, bool skipWeights = false) { throw null; }
    }

    // Runtime/Core/Barracuda.cs; api/Unity.Barracuda.WorkerFactory.html
    public class WorkerFactory
    {
        // https://docs.unity3d.com/Packages/com.unity.barracuda@3.0/api/Unity.Barracuda.WorkerFactory.Device.html
        public enum Device
        {
            GPU = 1 << 8,
            CPU = 1 << 9,
            Auto = 1 << 15,
            Compute = GPU,
            CSharp = CPU,
        }

        // https://docs.unity3d.com/Packages/com.unity.barracuda@3.0/api/Unity.Barracuda.WorkerFactory.Type.html
        public enum Type
        {
            Auto = 0 | Device.Auto,
            ComputePrecompiled = 0 | Device.GPU,
            Compute = 1 | Device.GPU,
            ComputeRef = 2 | Device.GPU,
            PixelShader = 3 | Device.GPU,
            CSharpBurst = 0 | Device.CPU,
            CSharp = 1 | Device.CPU,
            CSharpRef = 2 | Device.CPU,
        }

        public static IWorker CreateWorker(Type type, Model model, bool verbose) { throw null; }
    }

    // Runtime/Core/Barracuda.cs; api/Unity.Barracuda.IWorker.html
    public interface IWorker : IDisposable
    {
        IWorker Execute(Tensor input);
        Tensor PeekOutput();
    }

    // Runtime/Core/Tensor.cs; api/Unity.Barracuda.Tensor.html
    public class Tensor : IDisposable
    {
        public Tensor(int n, int h, int w, int c, string name = "") { throw null; }
        public Tensor(Texture srcTexture, bool flipY, Vector4 scale, Vector4 bias, int channels = -1, string name = "") { throw null; }

        public void ToRenderTexture(RenderTexture target, int batch, int fromChannel, Vector4 scale, Vector4 bias,
            Texture3D lut = null) { throw null; }

        public virtual void Dispose() { throw null; }
    }
}

namespace Unity.Barracuda.ONNX
{
    // Runtime/ONNX/ONNXModelConverter.cs; api/Unity.Barracuda.ONNX.ONNXModelConverter.html
    public class ONNXModelConverter
    {
        public ONNXModelConverter(bool optimizeModel, bool treatErrorsAsWarnings = false, bool forceArbitraryBatchSize = true) { throw null; }
        public Model Convert(string filePath) { throw null; }
    }
}
