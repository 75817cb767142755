using System;
using System.Collections.Generic;
using System.Runtime.Serialization;

// The JSON bodies of PROTOCOL.md, one class per body, member names as on the wire. Members a body may omit (every
// optional request field, visual_error) are EmitDefaultValue=false: null is not written, so an absent field stays
// absent (for a request, absent and null both mean "not given"); members a reply sends as null (model for
// passthrough, visual, contract, capture) are written as null. A reply shortened to fit 64 KiB (PROTOCOL.md, "Reply
// size") says `truncated`: true; it is absent otherwise. Request bodies are read with RequestBodies.Read.
// link.xml keeps these classes whole under IL2CPP (DataContractJsonSerializer finds them by reflection).
namespace StyleBridge.Protocol
{
    /// <summary>HELLO: who the client is and how many frames it wants in flight; every field optional.</summary>
    [DataContract]
    public sealed class HelloBody
    {
        [DataMember(Name = "client", EmitDefaultValue = false)] public string Client; // null: named by its connection
        [DataMember(Name = "caps", EmitDefaultValue = false)] public List<string> Caps;
        [DataMember(Name = "max_in_flight", EmitDefaultValue = false)] public long? MaxInFlight; // null: the server's limit
    }

    /// <summary>HELLO_ACK: what the server is, does and granted.</summary>
    [DataContract]
    public sealed class HelloAckBody
    {
        [DataMember(Name = "server")] public string Server;
        [DataMember(Name = "protocol")] public string Protocol;
        [DataMember(Name = "session")] public string Session;
        [DataMember(Name = "caps")] public List<string> Caps;
        [DataMember(Name = "pixel_formats")] public List<string> PixelFormats;
        [DataMember(Name = "max_in_flight")] public int MaxInFlight; // granted: 1 or 2 (PROTOCOL.md rule 5)
        [DataMember(Name = "max_pixels")] public long MaxPixels;
        [DataMember(Name = "model")] public ModelInfo Model;

        public bool Has(string capability)
        {
            return Caps != null && Caps.Contains(capability);
        }
    }

    /// <summary>The model a server runs (HELLO_ACK, CONTROL stats).</summary>
    [DataContract]
    public sealed class ModelInfo
    {
        [DataMember(Name = "backend")] public string Backend;
        [DataMember(Name = "model")] public string Model; // file name; null for passthrough
        [DataMember(Name = "device")] public string Device;
        [DataMember(Name = "contract")] public ContractInfo Contract; // the model's own; null for passthrough
        // 1.1: the contract frames are served under ([0, 1] both ways, any size: the server applies Contract itself);
        // null for passthrough, and from a 1.0 server
        [DataMember(Name = "served_contract")] public ContractInfo ServedContract;
        [DataMember(Name = "generation")] public int Generation;

        /// <summary>"onnxruntime style.onnx on CPUExecutionProvider"; "passthrough (no model) on cpu".</summary>
        public override string ToString()
        {
            return Backend + " " + (Model ?? "(no model)") + " on " + Device;
        }
    }

    /// <summary>A pixel contract as pipeline/core/contract.py's to_dict writes it (bridge bodies and the sidecar JSON).</summary>
    [DataContract]
    public sealed class ContractInfo
    {
        [DataMember(Name = "version")] public int Version;
        [DataMember(Name = "input_range")] public string InputRange;
        [DataMember(Name = "output_range")] public string OutputRange;
        [DataMember(Name = "channels")] public string Channels;
        [DataMember(Name = "layout")] public string Layout;
        [DataMember(Name = "row_origin")] public string RowOrigin;
        [DataMember(Name = "color_encoding")] public string ColorEncoding;
        [DataMember(Name = "size_multiple")] public int SizeMultiple;
    }

    [DataContract]
    public sealed class DroppedBody
    {
        [DataMember(Name = "reason")] public string Reason;
    }

    [DataContract]
    public sealed class ErrorBody
    {
        [DataMember(Name = "code")] public string Code;
        [DataMember(Name = "message")] public string Message;
    }

    /// <summary>COMPARE_RESULT: the server model's output vs the engine's, on upright sRGB values in [0, 1].</summary>
    [DataContract]
    public sealed class CompareResultBody
    {
        [DataMember(Name = "max_abs")] public double MaxAbs;
        [DataMember(Name = "mean_abs")] public double MeanAbs;
        [DataMember(Name = "psnr")] public double Psnr;
        [DataMember(Name = "ssim")] public double Ssim;
        [DataMember(Name = "model")] public string Model; // null for passthrough (the input itself was compared)
        [DataMember(Name = "visual")] public string Visual;
        [DataMember(Name = "visual_error", EmitDefaultValue = false)] public string VisualError;
        // 1.1, with Header.FlagDiagnose: the diagnosis, or why there is none (both absent when not asked)
        [DataMember(Name = "diagnosis", EmitDefaultValue = false)] public DiagnosisInfo Diagnosis;
        [DataMember(Name = "diagnosis_error", EmitDefaultValue = false)] public string DiagnosisError;
    }

    /// <summary>
    /// COMPARE_RESULT's diagnosis (PROTOCOL.md, "COMPARE diagnosis"): why the engine's output differs from the
    /// server's, as the fault (or pair) that reproduces it, its score next to the as-is score, and the fix.
    /// </summary>
    [DataContract]
    public sealed class DiagnosisInfo
    {
        [DataMember(Name = "verdict")] public string Verdict; // matches | explained | likely | unexplained
        [DataMember(Name = "summary")] public string Summary; // one line for people
        [DataMember(Name = "explanation")] public string Explanation; // e.g. "input_range:0_255->-1_1"; null: none
        [DataMember(Name = "label")] public string Label;
        [DataMember(Name = "psnr")] public double? Psnr; // dB, the best explanation's picture vs the engine's
        [DataMember(Name = "as_is_psnr")] public double AsIsPsnr; // dB, the server's output vs the engine's
        [DataMember(Name = "margin_db")] public double? MarginDb;
        [DataMember(Name = "fix")] public string Fix;
        [DataMember(Name = "sampled")] public bool Sampled; // searched on a downscaled sample (no GPU, large frame)
        [DataMember(Name = "note")] public string Note;
        [DataMember(Name = "engine_model")] public string EngineModel;
        [DataMember(Name = "seconds")] public double Seconds;

        /// <summary>Whether the engine agrees with the server within 8-bit noise.</summary>
        public bool Matches
        {
            get { return Verdict == "matches"; }
        }
    }

    [DataContract]
    public sealed class CaptureBody
    {
        [DataMember(Name = "source", EmitDefaultValue = false)] public string Source;
        [DataMember(Name = "frame_index", EmitDefaultValue = false)] public long? FrameIndex;
    }

    [DataContract]
    public sealed class CaptureAckBody
    {
        [DataMember(Name = "file")] public string File;
        [DataMember(Name = "index")] public long Index;
        [DataMember(Name = "path")] public string Path;
        [DataMember(Name = "backlog")] public int Backlog;
        [DataMember(Name = "capacity")] public int Capacity;
    }

    /// <summary>CONTROL: op "stats", "list_models", or "load_model" with model.</summary>
    [DataContract]
    public sealed class ControlBody
    {
        public const string Stats = "stats";
        public const string ListModels = "list_models";
        public const string LoadModel = "load_model";

        [DataMember(Name = "op")] public string Op;
        [DataMember(Name = "model", EmitDefaultValue = false)] public string Model;
    }

    /// <summary>The op of a CONTROL_REPLY, read first: the rest of the body depends on it.</summary>
    [DataContract]
    public sealed class ControlReplyOp
    {
        [DataMember(Name = "op")] public string Op;
    }

    [DataContract]
    public sealed class StatsReply
    {
        [DataMember(Name = "op")] public string Op;
        [DataMember(Name = "stats")] public ServerStats Stats;
        [DataMember(Name = "model")] public ModelInfo Model;
        [DataMember(Name = "clients")] public List<string> Clients;
        [DataMember(Name = "capture")] public CaptureInfo Capture; // null when capture is off
        [DataMember(Name = "truncated", EmitDefaultValue = false)] public bool? Truncated; // true: more clients than fit
    }

    [DataContract]
    public sealed class ServerStats
    {
        [DataMember(Name = "counts")] public Dictionary<string, long> Counts;
        [DataMember(Name = "fps")] public double Fps;
        [DataMember(Name = "stages")] public Dictionary<string, StageStats> Stages;
        [DataMember(Name = "uptime_s")] public double UptimeS;
    }

    [DataContract]
    public sealed class StageStats
    {
        [DataMember(Name = "count")] public long Count;
        [DataMember(Name = "mean_ms")] public double MeanMs;
        [DataMember(Name = "p50_ms")] public double P50Ms;
        [DataMember(Name = "p99_ms")] public double P99Ms;
    }

    [DataContract]
    public sealed class CaptureInfo
    {
        [DataMember(Name = "dir")] public string Dir;
        [DataMember(Name = "backlog")] public int Backlog;
        [DataMember(Name = "capacity")] public int Capacity;
        [DataMember(Name = "next_index")] public long NextIndex;
    }

    [DataContract]
    public sealed class ListModelsReply
    {
        [DataMember(Name = "op")] public string Op;
        [DataMember(Name = "models")] public List<ModelEntry> Models;
        [DataMember(Name = "truncated", EmitDefaultValue = false)] public bool? Truncated; // true: more models than fit
    }

    [DataContract]
    public sealed class ModelEntry
    {
        [DataMember(Name = "name")] public string Name;
        [DataMember(Name = "current")] public bool Current;
    }

    [DataContract]
    public sealed class LoadModelReply
    {
        [DataMember(Name = "op")] public string Op;
        [DataMember(Name = "model")] public string Model;
        [DataMember(Name = "generation")] public int Generation;
    }

    /// <summary>Which body class a message carries (CONTROL_REPLY: by its op); null for types without a body.</summary>
    public static class Bodies
    {
        public static Type TypeOf(Message message)
        {
            switch (message.Header.Type)
            {
                case MessageType.Hello: return typeof(HelloBody);
                case MessageType.HelloAck: return typeof(HelloAckBody);
                case MessageType.Dropped: return typeof(DroppedBody);
                case MessageType.Error: return typeof(ErrorBody);
                case MessageType.CompareResult: return typeof(CompareResultBody);
                case MessageType.Capture: return typeof(CaptureBody);
                case MessageType.CaptureAck: return typeof(CaptureAckBody);
                case MessageType.Control: return typeof(ControlBody);
                case MessageType.ControlReply: return ControlReplyType(message.BodyAs<ControlReplyOp>().Op, message);
                default: return null;
            }
        }

        static Type ControlReplyType(string op, Message message)
        {
            switch (op)
            {
                case ControlBody.Stats: return typeof(StatsReply);
                case ControlBody.ListModels: return typeof(ListModelsReply);
                case ControlBody.LoadModel: return typeof(LoadModelReply);
                default:
                    throw new ProtocolException(ErrorCode.BadBody, "unknown CONTROL_REPLY op '" + op + "'",
                        message.Header.Seq);
            }
        }
    }
}
