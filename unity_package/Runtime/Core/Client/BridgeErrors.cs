using System;
using StyleBridge.Protocol;

namespace StyleBridge.Client
{
    /// <summary>The bridge could not do what was asked; the message says why and what to do.</summary>
    public class BridgeException : Exception
    {
        public BridgeException(string message) : base(message)
        {
        }
    }

    /// <summary>No reply in time: the server is down, overloaded, or unreachable (keys, address).</summary>
    public class BridgeTimeoutException : BridgeException
    {
        public BridgeTimeoutException(string message) : base(message)
        {
        }
    }

    /// <summary>The server answered ERROR; programs branch on <see cref="Code"/>.</summary>
    public class BridgeServerException : BridgeException
    {
        public BridgeServerException(ErrorCode code, string reason)
            : base("server error " + WireNames.Name(code) + ": " + reason)
        {
            Code = code;
            Reason = reason;
        }

        public ErrorCode Code { get; private set; }
        public string Reason { get; private set; }
    }

    public enum BridgeLogLevel
    {
        Info,
        Warning,
        Error,
    }

    /// <summary>Where the connection stands.</summary>
    public enum ConnectionState
    {
        Connecting, // no session yet, or renewing one (HELLO sent or waiting for a connection)
        Connected, // a session: frames and requests flow
        ServerUnreachable, // had a session, but the server stopped answering; retrying
        Disabled, // the server speaks another major protocol version (or the client failed): nothing is sent
        Disposed,
    }

    /// <summary>How a BridgeClient connects and behaves; the defaults match the reference Python client.</summary>
    public sealed class BridgeClientOptions
    {
        public string Endpoint = "tcp://127.0.0.1:5556";

        /// <summary>
        /// HELLO's client name, for the server's logs, CONTROL stats and the capture manifest (the server keeps its
        /// first 100 characters); null or "": the server names the client by its connection.
        /// </summary>
        public string Name = "unity";

        /// <summary>Seconds to wait for any reply (frame credit, requests, handshake) before giving up on it.</summary>
        public double Timeout = 2.0;

        /// <summary>
        /// Frames wanted in flight. The server grants at most 2 (HELLO_ACK; PROTOCOL.md rule 5: a third frame could
        /// only displace the waiting one), and fewer when it is configured so; the client keeps to the grant.
        /// </summary>
        public int MaxInFlight = 2;

        /// <summary>CURVE keys for a server started with --curve-keys; null for a loopback server without them.</summary>
        public StyleBridge.Transport.CurveKeys Curve;

        /// <summary>Idle seconds after which a PING checks that the server is still there.</summary>
        public double HeartbeatInterval = 1.0;

        /// <summary>Seconds between attempts to renew a session the server forgot (it restarted).</summary>
        public double RehandshakeInterval = 1.0;

        /// <summary>Called from the client's I/O thread; Unity's Debug.Log may be called from any thread.</summary>
        public Action<BridgeLogLevel, string> Log;
    }
}
