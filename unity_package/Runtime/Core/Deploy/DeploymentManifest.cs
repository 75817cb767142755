using System;
using System.Collections.Generic;
using System.Runtime.Serialization;
using StyleBridge.Protocol;

namespace StyleBridge.Deploy
{
    /// <summary>
    /// Assets/StyleBridge/Models/manifest.json as `stylebridge deploy` writes it (pipeline/unity/deploy.py): per model
    /// name, the current versioned .onnx and its versions, oldest first. Files are never rewritten: every deployment
    /// has fresh names, and the manifest is replaced atomically once they are all in place.
    /// </summary>
    [DataContract]
    public sealed class DeploymentManifest
    {
        public const string FileName = "manifest.json";
        public const string FormatName = "stylebridge.deployments";

        [DataMember(Name = "format")] public string Format;
        [DataMember(Name = "format_version")] public int FormatVersion;
        [DataMember(Name = "models")] public Dictionary<string, DeployedModel> Models;

        /// <summary>Read manifest bytes; raises FormatException with the reason for anything that is not one.</summary>
        public static DeploymentManifest Parse(byte[] json)
        {
            DeploymentManifest manifest;
            try
            {
                manifest = Json.Deserialize<DeploymentManifest>(json);
            }
            catch (ProtocolException exc)
            {
                throw new FormatException("not valid JSON (" + exc.Reason + ")");
            }
            if (manifest.Format != FormatName || manifest.Models == null)
                throw new FormatException("not a stylebridge deployment manifest (format '" + manifest.Format + "')");
            return manifest;
        }

        /// <summary>The current version of <paramref name="name"/>, or of the most recently deployed model when null.</summary>
        public DeployedVersion Current(string name, out string chosen)
        {
            chosen = null;
            DeployedVersion best = null;
            foreach (var entry in Models)
            {
                if (name != null && entry.Key != name)
                    continue;
                var current = entry.Value.CurrentVersion();
                if (current == null)
                    continue;
                if (best == null || string.CompareOrdinal(current.DeployedAt, best.DeployedAt) > 0)
                {
                    best = current;
                    chosen = entry.Key;
                }
            }
            return best;
        }
    }

    [DataContract]
    public sealed class DeployedModel
    {
        [DataMember(Name = "current")] public string Current;
        [DataMember(Name = "versions")] public List<DeployedVersion> Versions;

        public DeployedVersion CurrentVersion()
        {
            if (Current == null || Versions == null)
                return null;
            foreach (var version in Versions)
            {
                if (version.Onnx == Current)
                    return version;
            }
            return null;
        }
    }

    [DataContract]
    public sealed class DeployedVersion
    {
        [DataMember(Name = "version")] public int Version;
        [DataMember(Name = "onnx")] public string Onnx;
        [DataMember(Name = "sidecar")] public string Sidecar; // null when deployed without one
        [DataMember(Name = "files")] public List<string> Files;
        [DataMember(Name = "onnx_sha256")] public string OnnxSha256;
        [DataMember(Name = "source_checkpoint")] public string SourceCheckpoint;
        [DataMember(Name = "source_checkpoint_sha256")] public string SourceCheckpointSha256;
        [DataMember(Name = "deployed_at")] public string DeployedAt;
    }
}
