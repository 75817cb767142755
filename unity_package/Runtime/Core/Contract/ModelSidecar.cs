using System.Collections.Generic;
using System.Runtime.Serialization;
using StyleBridge.Protocol;

namespace StyleBridge.Contract
{
    /// <summary>The parts of an exported model's sidecar JSON (pipeline/export/exporter.py) the engine uses.</summary>
    [DataContract]
    public sealed class ModelSidecar
    {
        public const string FormatName = "stylebridge.model";

        [DataMember(Name = "format")] public string Format;
        [DataMember(Name = "format_version")] public int FormatVersion;
        [DataMember(Name = "model")] public string Model;
        [DataMember(Name = "onnx_sha256")] public string OnnxSha256;
        [DataMember(Name = "contract")] public ContractInfo Contract;
        [DataMember(Name = "network_contract")] public ContractInfo NetworkContract;
        [DataMember(Name = "metadata")] public Dictionary<string, string> Metadata;
        [DataMember(Name = "architecture")] public string Architecture;
        [DataMember(Name = "opset")] public int Opset;
        [DataMember(Name = "reference")] public ReferenceInfo Reference; // absent when deployed without the pair

        /// <summary>Read a sidecar; a file that is not one says so.</summary>
        public static ModelSidecar Parse(byte[] json, string path)
        {
            ModelSidecar sidecar;
            try
            {
                sidecar = Json.Deserialize<ModelSidecar>(json);
            }
            catch (ProtocolException exc)
            {
                throw new ContractException(path + " is not a readable sidecar JSON (" + exc.Reason + ")");
            }
            if (sidecar.Format != FormatName)
                throw new ContractException(path + " is not a stylebridge model sidecar (format '" + sidecar.Format +
                                            "', expected '" + FormatName + "')");
            return sidecar;
        }
    }

    /// <summary>The export's reference pair: raw float32 little-endian NCHW tensors, row 0 = top.</summary>
    [DataContract]
    public sealed class ReferenceInfo
    {
        [DataMember(Name = "shape")] public List<int> Shape;
        [DataMember(Name = "dtype")] public string Dtype;
        [DataMember(Name = "image")] public string Image;
        [DataMember(Name = "input")] public string Input;
        [DataMember(Name = "output")] public string Output;
    }
}
