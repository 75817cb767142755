using System;
using System.Collections.Generic;
using StyleBridge.Protocol;
using StyleBridge.Transport;

namespace StyleBridge.Client
{
    /// <summary>The I/O thread's session keeping: the handshake, its renewal after a restart, liveness, disabling.</summary>
    public sealed partial class BridgeClient
    {
        void CheckHandshake(double now)
        {
            lock (gate)
            {
                if (state != ConnectionState.Connecting)
                    return;
            }
            if (helloSentAt >= 0 && now - helloSentAt > options.Timeout)
            {
                SetStatus("no HELLO_ACK from " + options.Endpoint + " within " + options.Timeout +
                          " s; retrying (is the server running, and are the address and keys right?)");
                helloSentAt = double.NegativeInfinity;
                nextHelloAt = now + helloBackoff;
                helloBackoff = Math.Min(1.0, helloBackoff * 2);
            }
            if (helloSentAt < 0 && now >= nextHelloAt)
                TrySendHello(now);
            if (helloSentAt < 0 && now - connectingSince > options.Timeout)
                SetStatus("no connection to " + options.Endpoint + " for " + Math.Round(now - connectingSince) +
                          " s; retrying (is the server running, and are the address and keys right?)");
        }

        void TrySendHello(double now)
        {
            var header = Header.Create(MessageType.Hello);
            header.Seq = ++nextSeq;
            header.TClientUs = MonotonicClock.NowUs();
            if (!dealer.TrySend(Codec.Encode(new Message(header, null, helloBody))))
                return; // no connection yet: the loop retries
            helloSeq = header.Seq;
            helloSentAt = now;
        }

        /// <summary>Start a new handshake (the server forgot this client, or came back after being unreachable).</summary>
        void RenewSession(double now, string why)
        {
            lock (gate)
            {
                if (state == ConnectionState.Disabled)
                    return;
                state = ConnectionState.Connecting;
                status = why;
            }
            connected.Reset();
            helloSentAt = double.NegativeInfinity;
            connectingSince = now;
            nextHelloAt = Math.Max(now, nextRenewalAt);
            nextRenewalAt = now + options.RehandshakeInterval;
            Log(BridgeLogLevel.Info, why);
        }

        void Connected(Message reply)
        {
            var ack = reply.BodyAs<HelloAckBody>();
            var warning = Compat.MinorMismatchWarning("the server at " + options.Endpoint, reply.Header.Minor);
            if (warning != null)
                Log(BridgeLogLevel.Warning, warning);
            inFlight.Clear();
            helloSentAt = double.NegativeInfinity;
            helloBackoff = 0.1;
            lock (gate)
            {
                server = ack;
                grantedInFlight = Math.Max(1, ack.MaxInFlight);
                framesInFlight = 0;
                state = ConnectionState.Connected;
                counts.Sessions++;
                status = "connected to " + options.Endpoint + " (" + ack.Server + ", session " + ack.Session + ", " +
                         grantedInFlight + " in flight)";
            }
            connected.Set();
            Log(BridgeLogLevel.Info, Status);
        }

        /// <summary>A silent server gets a PING; no reply within the timeout marks it unreachable.</summary>
        void CheckLiveness(double now)
        {
            if (!IsSession)
                return;
            if (pingSeq != 0 && now - pingSentAt > options.Timeout)
            {
                pingSeq = 0;
                lock (gate)
                {
                    if (state == ConnectionState.Connected)
                    {
                        state = ConnectionState.ServerUnreachable;
                        status = "the server at " + options.Endpoint + " stopped answering; retrying";
                    }
                }
                connected.Reset();
                Log(BridgeLogLevel.Warning, Status);
            }
            if (pingSeq == 0 && now - lastReceivedAt > options.HeartbeatInterval)
            {
                var header = Header.Create(MessageType.Ping);
                header.Seq = ++nextSeq;
                header.TClientUs = MonotonicClock.NowUs();
                if (dealer.TrySend(Codec.Encode(new Message(header))))
                {
                    pingSeq = header.Seq;
                    pingSentAt = now;
                }
            }
        }

        void Disable(string why)
        {
            List<PendingRequest> unanswered;
            lock (gate)
            {
                state = ConnectionState.Disabled;
                status = why;
                unanswered = new List<PendingRequest>(toSend);
                toSend.Clear();
            }
            connected.Reset();
            unanswered.AddRange(outstanding.Values);
            outstanding.Clear();
            foreach (var request in unanswered)
                request.Fail(new BridgeException(why));
            Log(BridgeLogLevel.Error, why);
        }
    }
}
