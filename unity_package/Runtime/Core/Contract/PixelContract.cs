using System;
using System.Collections.Generic;
using System.Globalization;
using StyleBridge.Protocol;

namespace StyleBridge.Contract
{
    /// <summary>A stored pixel contract that cannot be used, or two sources that disagree; the message says which.</summary>
    public class ContractException : Exception
    {
        public ContractException(string message) : base(message)
        {
        }
    }

    /// <summary>
    /// How a model's tensors relate to pixels (the C# twin of pipeline/core/contract.py): the input and output value
    /// ranges, each a scale and bias from [0, 1] (model value = unit value * scale + bias); channels RGB; layout NCHW;
    /// tensor row 0 = the top of the picture; sRGB-encoded values; H and W multiples of <see cref="SizeMultiple"/>.
    /// </summary>
    public sealed class PixelContract : IEquatable<PixelContract>
    {
        public const int CurrentVersion = 1;
        public const string MetadataPrefix = "stylebridge.";

        static readonly Dictionary<string, float[]> Ranges = new Dictionary<string, float[]>
        {
            { "0_1", new[] { 1f, 0f } },
            { "0_255", new[] { 255f, 0f } },
            { "-1_1", new[] { 2f, -1f } },
        };

        public PixelContract(string inputRange, string outputRange, int sizeMultiple, string channels = "RGB",
            string layout = "NCHW", string rowOrigin = "top", string colorEncoding = "srgb",
            int version = CurrentVersion)
        {
            Check("input_range", inputRange, Ranges.Keys);
            Check("output_range", outputRange, Ranges.Keys);
            Check("channels", channels, new[] { "RGB" });
            Check("layout", layout, new[] { "NCHW" });
            Check("row_origin", rowOrigin, new[] { "top" });
            Check("color_encoding", colorEncoding, new[] { "srgb" });
            if (sizeMultiple < 1)
                throw new ContractException("size_multiple must be a positive integer, got " + sizeMultiple);
            if (version != CurrentVersion)
                throw new ContractException("pixel contract version " + version + " is not understood by this " +
                                            "package (it reads version " + CurrentVersion + "); update the package");
            InputRange = inputRange;
            OutputRange = outputRange;
            SizeMultiple = sizeMultiple;
            Channels = channels;
            Layout = layout;
            RowOrigin = rowOrigin;
            ColorEncoding = colorEncoding;
            Version = version;
        }

        public string InputRange { get; private set; }
        public string OutputRange { get; private set; }
        public int SizeMultiple { get; private set; }
        public string Channels { get; private set; }
        public string Layout { get; private set; }
        public string RowOrigin { get; private set; }
        public string ColorEncoding { get; private set; }
        public int Version { get; private set; }

        public float InputScale
        {
            get { return Ranges[InputRange][0]; }
        }

        public float InputBias
        {
            get { return Ranges[InputRange][1]; }
        }

        public float OutputScale
        {
            get { return Ranges[OutputRange][0]; }
        }

        public float OutputBias
        {
            get { return Ranges[OutputRange][1]; }
        }

        /// <summary>Read a contract from ONNX metadata_props (Barracuda's Model.Metadata), as the exporter wrote it.</summary>
        public static PixelContract FromMetadata(IDictionary<string, string> metadata)
        {
            var missing = new List<string>();
            foreach (var key in new[] { "contract_version", "input_range", "output_range", "size_multiple" })
            {
                if (!metadata.ContainsKey(MetadataPrefix + key))
                    missing.Add(MetadataPrefix + key);
            }
            if (missing.Count > 0)
                throw new ContractException("model metadata lacks the pixel contract keys " + string.Join(", ", missing.ToArray()));
            var contract = new PixelContract(
                metadata[MetadataPrefix + "input_range"],
                metadata[MetadataPrefix + "output_range"],
                ParseInt(metadata[MetadataPrefix + "size_multiple"], "size_multiple"),
                Get(metadata, "channels", "RGB"),
                Get(metadata, "layout", "NCHW"),
                Get(metadata, "row_origin", "top"),
                Get(metadata, "color_encoding", "srgb"),
                ParseInt(metadata[MetadataPrefix + "contract_version"], "contract_version"));
            foreach (var which in new[] { "input", "output" })
            {
                var range = which == "input" ? contract.InputRange : contract.OutputRange;
                var expected = Ranges[range];
                var parts = new[] { "scale", "bias" };
                for (var i = 0; i < 2; i++)
                {
                    string stored;
                    if (!metadata.TryGetValue(MetadataPrefix + which + "_" + parts[i], out stored))
                        continue;
                    double value;
                    if (!double.TryParse(stored, NumberStyles.Float, CultureInfo.InvariantCulture, out value) ||
                        value != expected[i])
                        throw new ContractException("model metadata disagrees with itself: " + which + "_range is " +
                                                    range + " but " + which + "_" + parts[i] + " is " + stored +
                                                    " (expected " + expected[i].ToString(CultureInfo.InvariantCulture) + ")");
                }
            }
            return contract;
        }

        /// <summary>A contract as a bridge body or a sidecar JSON holds it (contract.py's to_dict).</summary>
        public static PixelContract FromInfo(ContractInfo info)
        {
            if (info == null)
                throw new ContractException("no pixel contract given");
            if (info.InputRange == null || info.OutputRange == null || info.SizeMultiple == 0)
                throw new ContractException("stored pixel contract lacks input_range, output_range or size_multiple");
            return new PixelContract(info.InputRange, info.OutputRange, info.SizeMultiple, info.Channels ?? "RGB",
                info.Layout ?? "NCHW", info.RowOrigin ?? "top", info.ColorEncoding ?? "srgb",
                info.Version == 0 ? CurrentVersion : info.Version);
        }

        /// <summary>
        /// The contract of a model from both places it is written: the ONNX metadata (preferred) and the sidecar JSON
        /// (the fallback for models whose metadata lacks it). Either may be null; when both hold a contract they must
        /// agree, and a model with neither is refused, since guessing ranges is exactly what goes wrong.
        /// </summary>
        public static PixelContract Resolve(IDictionary<string, string> metadata, ModelSidecar sidecar, string model)
        {
            PixelContract fromMetadata = null, fromSidecar = null;
            if (metadata != null && metadata.ContainsKey(MetadataPrefix + "input_range"))
                fromMetadata = FromMetadata(metadata);
            if (sidecar != null && sidecar.Contract != null)
                fromSidecar = FromInfo(sidecar.Contract);
            if (fromMetadata != null && fromSidecar != null && !fromMetadata.Equals(fromSidecar))
                throw new ContractException(model + ": the ONNX metadata says " + fromMetadata + " but the sidecar " +
                                            "JSON says " + fromSidecar + "; re-export the model (they are written " +
                                            "together) instead of mixing files from two exports");
            var contract = fromMetadata ?? fromSidecar;
            if (contract == null)
                throw new ContractException(model + " carries no pixel contract (no stylebridge.* metadata and no " +
                                            "sidecar .json); export it with `stylebridge export`");
            return contract;
        }

        public bool Equals(PixelContract other)
        {
            return other != null && InputRange == other.InputRange && OutputRange == other.OutputRange &&
                   SizeMultiple == other.SizeMultiple && Channels == other.Channels && Layout == other.Layout &&
                   RowOrigin == other.RowOrigin && ColorEncoding == other.ColorEncoding && Version == other.Version;
        }

        public override bool Equals(object obj)
        {
            return Equals(obj as PixelContract);
        }

        public override int GetHashCode()
        {
            return (InputRange + "|" + OutputRange + "|" + SizeMultiple).GetHashCode();
        }

        public override string ToString()
        {
            return "input " + InputRange + ", output " + OutputRange + ", size multiple " + SizeMultiple + ", " +
                   Channels + " " + Layout + ", row origin " + RowOrigin + ", " + ColorEncoding;
        }

        static string Get(IDictionary<string, string> metadata, string key, string fallback)
        {
            string value;
            return metadata.TryGetValue(MetadataPrefix + key, out value) ? value : fallback;
        }

        static int ParseInt(string text, string key)
        {
            int value;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
                throw new ContractException("model metadata holds an unreadable pixel contract: " + key + " is '" +
                                            text + "'");
            return value;
        }

        static void Check(string field, string value, IEnumerable<string> choices)
        {
            foreach (var choice in choices)
            {
                if (choice == value)
                    return;
            }
            throw new ContractException(field + "='" + value + "' is not supported; use one of " +
                                        string.Join(", ", new List<string>(choices).ToArray()));
        }
    }
}
