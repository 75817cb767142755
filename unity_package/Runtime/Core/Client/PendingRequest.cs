using System;
using System.Threading.Tasks;
using StyleBridge.Protocol;

namespace StyleBridge.Client
{
    /// <summary>A COMPARE, CAPTURE, CONTROL or PING on its way: what to send, what answers it, and its Task.</summary>
    internal abstract class PendingRequest
    {
        public Header Header;
        public readonly ArraySegment<byte>[] Images;
        public readonly byte[] Body;
        public readonly MessageType ReplyType;
        public readonly double Timeout;
        public readonly double QueuedAt = MonotonicClock.NowSeconds();
        public double SentAt;
        public bool Retried; // sent again once after the server forgot this client (NOT_READY)
        public string TimeoutAdvice = "";

        protected PendingRequest(Header header, ArraySegment<byte>[] images, byte[] body, MessageType replyType,
            double timeout)
        {
            Header = header;
            Images = images;
            Body = body;
            ReplyType = replyType;
            Timeout = timeout;
        }

        public abstract void Complete(Message reply);

        public abstract void Fail(Exception error);
    }

    internal sealed class PendingRequest<T> : PendingRequest
    {
        // continuations never run on the client's I/O thread
        readonly TaskCompletionSource<T> completion =
            new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);

        readonly Func<Message, T> parse;

        public PendingRequest(Header header, ArraySegment<byte>[] images, byte[] body, MessageType replyType,
            Func<Message, T> parse, double timeout) : base(header, images, body, replyType, timeout)
        {
            this.parse = parse;
        }

        public Task<T> Task
        {
            get { return completion.Task; }
        }

        public override void Complete(Message reply)
        {
            T value;
            try
            {
                value = parse(reply);
            }
            catch (ProtocolException exc)
            {
                completion.TrySetException(new BridgeException("the server's " + WireNames.Name(reply.Header.Type) +
                                                               " is unreadable: " + exc.Message));
                return;
            }
            completion.TrySetResult(value);
        }

        public override void Fail(Exception error)
        {
            completion.TrySetException(error);
        }
    }
}
