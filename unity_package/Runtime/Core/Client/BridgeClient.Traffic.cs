using System;
using System.Collections.Generic;
using StyleBridge.Protocol;
using StyleBridge.Transport;

namespace StyleBridge.Client
{
    /// <summary>The I/O thread's traffic: sending frames and requests, and matching every reply to what it answers.</summary>
    public sealed partial class BridgeClient
    {
        void SendPendingFrame(double now)
        {
            FrameBuffer frame;
            lock (gate)
            {
                if (pendingFrame == null || framesInFlight >= grantedInFlight)
                    return;
                frame = pendingFrame;
                pendingFrame = null;
            }
            var header = Header.Create(MessageType.Frame);
            header.Seq = nextSeq + 1;
            header.Width = (uint)frame.Width;
            header.Height = (uint)frame.Height;
            header.PixelFormat = frame.Format;
            header.RowOrder = frame.RowOrder;
            header.ColorEncoding = frame.ColorEncoding;
            header.TClientUs = MonotonicClock.NowUs();
            header.EncodeInto(frameHeader, 0);
            sendParts.Clear();
            sendParts.Add(new ArraySegment<byte>(frameHeader));
            sendParts.Add(frame.Pixels);
            if (!dealer.TrySend(sendParts))
            {
                FrameBuffer newer;
                lock (gate)
                {
                    newer = pendingFrame;
                    if (newer == null)
                        pendingFrame = frame; // no connection right now: keep it, unless a newer one came
                }
                if (newer != null)
                    pool.Return(frame);
                return;
            }
            nextSeq = header.Seq;
            inFlight[header.Seq] = new InFlightFrame { SentAt = now, FrameIndex = frame.FrameIndex };
            lock (gate)
            {
                framesInFlight = inFlight.Count;
                counts.FramesSent++;
            }
            pool.Return(frame);
        }

        void SendRequests(double now)
        {
            while (true)
            {
                PendingRequest request;
                lock (gate)
                {
                    if (toSend.Count == 0)
                        return;
                    request = toSend.Peek();
                }
                request.Header.Seq = ++nextSeq; // a fresh seq for every attempt
                request.Header.TClientUs = MonotonicClock.NowUs();
                if (!dealer.TrySend(Codec.Encode(new Message(request.Header, request.Images, request.Body))))
                {
                    --nextSeq;
                    return; // no connection: try again on the next turn
                }
                lock (gate)
                    toSend.Dequeue();
                request.SentAt = now;
                outstanding[request.Header.Seq] = request;
            }
        }

        // -- the I/O thread: receiving -----------------------------------------------------------------------------

        void Handle()
        {
            Message reply;
            try
            {
                reply = reader.Decode();
            }
            catch (ProtocolException exc)
            {
                reader.Discard();
                if (exc.Code == ErrorCode.VersionMismatch)
                    Disable("the server at " + options.Endpoint + " speaks another protocol: " + exc.Reason);
                else
                    Log(BridgeLogLevel.Warning, "the server sent an unreadable message (" + exc.Message + "); ignored");
                return;
            }
            var now = MonotonicClock.NowSeconds();
            lastReceivedAt = now;
            var header = reply.Header;
            if (header.Type == MessageType.Error && header.ErrorCode == ErrorCode.VersionMismatch)
            {
                Disable("the server refused this client's protocol version: " + ErrorText(reply));
                return;
            }
            if (header.Type == MessageType.Pong && header.Seq == pingSeq)
            {
                pingSeq = 0;
                var wasUnreachable = false;
                lock (gate)
                    wasUnreachable = state == ConnectionState.ServerUnreachable;
                if (wasUnreachable) // it may have restarted meanwhile and forgotten this client
                    RenewSession(now, "the server at " + options.Endpoint + " answers again; renewing the session");
                return;
            }
            if (header.Type == MessageType.HelloAck && header.Seq == helloSeq)
            {
                Connected(reply);
                return;
            }
            if (header.Type == MessageType.Error && header.Seq == helloSeq)
            {
                Disable("the server refused the handshake: " + ErrorText(reply));
                return;
            }
            lock (gate)
            {
                if (state == ConnectionState.ServerUnreachable)
                {
                    state = ConnectionState.Connected;
                    status = "connected to " + options.Endpoint;
                    connected.Set();
                }
            }
            InFlightFrame frame;
            if (inFlight.TryGetValue(header.Seq, out frame) &&
                (header.Type == MessageType.Result || header.Type == MessageType.Dropped ||
                 header.Type == MessageType.Error))
            {
                FrameReply(reply, frame, now);
                return;
            }
            PendingRequest request;
            if (outstanding.TryGetValue(header.Seq, out request))
            {
                outstanding.Remove(header.Seq);
                RequestReply(request, reply, now);
                return;
            }
            reader.Discard(); // a late reply to something that timed out
        }

        void FrameReply(Message reply, InFlightFrame frame, double now)
        {
            var header = reply.Header;
            inFlight.Remove(header.Seq);
            var result = reader.TakeImage();
            FrameBuffer replaced = null;
            lock (gate)
            {
                framesInFlight = inFlight.Count;
                switch (header.Type)
                {
                    case MessageType.Result:
                        counts.Results++;
                        var roundTripUs = MonotonicClock.NowUs() - header.TClientUs;
                        window.Add(roundTripUs / 1000.0, now);
                        if (result != null && header.Seq > lastDeliveredSeq)
                        {
                            result.Seq = header.Seq;
                            result.Generation = header.Generation;
                            result.RowOrder = header.RowOrder;
                            result.ColorEncoding = header.ColorEncoding;
                            result.FrameIndex = frame.FrameIndex;
                            result.RoundTripSeconds = roundTripUs / 1e6;
                            lastDeliveredSeq = header.Seq;
                            replaced = latestResult;
                            latestResult = result;
                            resultReady.Set();
                            result = null;
                        }
                        break;
                    case MessageType.Dropped:
                        counts.Dropped++;
                        break;
                    default:
                        counts.Errors++;
                        break;
                }
            }
            pool.Return(result);
            pool.Return(replaced);
            if (header.Type != MessageType.Error)
                return;
            if (header.ErrorCode == ErrorCode.NotReady)
            {
                if (now >= nextRenewalAt)
                    RenewSession(now, "the server at " + options.Endpoint + " forgot this client (it restarted?); " +
                                      "renewing the session");
            }
            else
            {
                SetStatus("frame refused: " + ErrorText(reply));
                Log(BridgeLogLevel.Warning, Status);
            }
        }

        void RequestReply(PendingRequest request, Message reply, double now)
        {
            var header = reply.Header;
            if (header.Type == MessageType.Error && header.ErrorCode == ErrorCode.NotReady && !request.Retried)
            {
                request.Retried = true; // the server had forgotten this client: renew the session and send it again
                lock (gate)
                {
                    var again = new Queue<PendingRequest>();
                    again.Enqueue(request);
                    while (toSend.Count > 0)
                        again.Enqueue(toSend.Dequeue());
                    while (again.Count > 0)
                        toSend.Enqueue(again.Dequeue());
                }
                RenewSession(now, "the server at " + options.Endpoint + " forgot this client (it restarted?); " +
                                  "renewing the session");
                return;
            }
            if (header.Type == MessageType.Error)
            {
                var body = SafeError(reply);
                request.Fail(new BridgeServerException(header.ErrorCode, body == null ? "" : body.Message));
                return;
            }
            if (header.Type != request.ReplyType)
            {
                request.Fail(new BridgeException("expected " + WireNames.Name(request.ReplyType) + ", got " +
                                                 WireNames.Name(header.Type)));
                return;
            }
            request.Complete(reply);
        }

        void ReclaimExpiredFrames(double now)
        {
            expired.Clear();
            foreach (var entry in inFlight)
            {
                if (now - entry.Value.SentAt > options.Timeout)
                    expired.Add(entry.Key);
            }
            if (expired.Count == 0)
                return;
            foreach (var seq in expired)
                inFlight.Remove(seq);
            lock (gate)
            {
                framesInFlight = inFlight.Count;
                counts.TimedOut += expired.Count;
            }
        }

        void ExpireRequests(double now)
        {
            FailUnsent(now);
            expired.Clear();
            foreach (var entry in outstanding)
            {
                if (now - entry.Value.SentAt > entry.Value.Timeout)
                    expired.Add(entry.Key);
            }
            foreach (var seq in expired)
            {
                var request = outstanding[seq];
                outstanding.Remove(seq);
                request.Fail(new BridgeTimeoutException("no " + WireNames.Name(request.ReplyType) + " from " +
                                                        options.Endpoint + " within " + request.Timeout + " s" +
                                                        request.TimeoutAdvice));
            }
        }

        /// <summary>Requests that found no connection for a whole timeout fail (the server is not running).</summary>
        void FailUnsent(double now)
        {
            List<PendingRequest> failed = null;
            lock (gate)
            {
                if (toSend.Count == 0)
                    return;
                var kept = new Queue<PendingRequest>();
                while (toSend.Count > 0)
                {
                    var request = toSend.Dequeue();
                    if (now - Math.Max(request.QueuedAt, request.SentAt) > request.Timeout)
                        (failed = failed ?? new List<PendingRequest>()).Add(request);
                    else
                        kept.Enqueue(request);
                }
                while (kept.Count > 0)
                    toSend.Enqueue(kept.Dequeue());
            }
            if (failed == null)
                return;
            foreach (var request in failed)
                request.Fail(new BridgeTimeoutException("cannot send to " + options.Endpoint + " within " +
                                                        request.Timeout + " s: no session (" + Status + ")"));
        }

        static ErrorBody SafeError(Message reply)
        {
            try
            {
                return reply.BodyAs<ErrorBody>();
            }
            catch (ProtocolException)
            {
                return null;
            }
        }

        static string ErrorText(Message reply)
        {
            var body = SafeError(reply);
            return WireNames.Name(reply.Header.ErrorCode) + (body == null ? "" : " (" + body.Message + ")");
        }

        void SetStatus(string text)
        {
            lock (gate)
                status = text;
        }

        void Log(BridgeLogLevel level, string message)
        {
            var log = options.Log;
            if (log != null)
                log(level, message);
        }

        sealed class Drain : IPartSink
        {
            public void Part(int index, IntPtr data, int size)
            {
            }
        }
    }
}
