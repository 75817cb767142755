using System.Collections.Generic;

namespace StyleBridge.Protocol
{
    /// <summary>
    /// The protocol's version rule and capability names, mirroring bridge/compat.py so both sides apply one rule:
    /// another major version is not understood (ERROR VERSION_MISMATCH, nothing else read); another minor version
    /// works with a warning at the handshake; new behaviour is used only when both sides list its capability.
    /// </summary>
    public static class Compat
    {
        public const int ProtocolMajor = 1;
        public const int ProtocolMinor = 1; // 1.1: COMPARE diagnosis, served_contract

        /// <summary>What this client announces in HELLO (the same set as the reference Python client).</summary>
        public static readonly IList<string> ClientCapabilities = new[] { "frame", "compare", "capture", "control" };

        public static string VersionText(int major = ProtocolMajor, int minor = ProtocolMinor)
        {
            return major + "." + minor;
        }

        /// <summary>Whether a message of protocol <paramref name="major"/>.x can be read at all.</summary>
        public static bool Understands(int major)
        {
            return major == ProtocolMajor;
        }

        public static string VersionMismatchReason(int major, int minor)
        {
            return "protocol " + VersionText(major, minor) + " is not understood; this side speaks " + ProtocolMajor +
                   ".x (major versions must match: update the client or the server)";
        }

        /// <summary>A warning for the log when the peer speaks another minor version; null when equal.</summary>
        public static string MinorMismatchWarning(string peer, int peerMinor)
        {
            if (peerMinor == ProtocolMinor)
                return null;
            return peer + " speaks protocol " + VersionText(ProtocolMajor, peerMinor) + ", this side " + VersionText() +
                   ": it works, but features only one side knows are not used";
        }
    }
}
