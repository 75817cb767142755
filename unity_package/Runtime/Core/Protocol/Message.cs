using System;
using System.Collections.Generic;

namespace StyleBridge.Protocol
{
    /// <summary>How many image frames and whether a JSON body follow the header, per message type.</summary>
    public struct Layout
    {
        public readonly int Images;
        public readonly bool Body;

        public Layout(int images, bool body)
        {
            Images = images;
            Body = body;
        }

        public int Parts
        {
            get { return 1 + Images + (Body ? 1 : 0); }
        }
    }

    /// <summary>One protocol message: the header, its image payloads and its raw JSON body (null when it has none).</summary>
    public sealed class Message
    {
        public Header Header;
        public ArraySegment<byte>[] Images;
        public byte[] Body;

        public Message(Header header, ArraySegment<byte>[] images = null, byte[] body = null)
        {
            Header = header;
            Images = images ?? new ArraySegment<byte>[0];
            Body = body;
        }

        /// <summary>
        /// The body read into its typed class (unknown keys ignored); BAD_BODY when it is not a valid body. For the
        /// replies a client reads; a request's body is read with <see cref="RequestBodies.Read"/>, which applies
        /// PROTOCOL.md's field rules (types, ranges, required fields) as the server does.
        /// </summary>
        public T BodyAs<T>() where T : class
        {
            if (Body == null)
                throw new ProtocolException(ErrorCode.BadBody,
                    WireNames.Name(Header.Type) + " carries no body", Header.Seq);
            return (T)Json.Deserialize(typeof(T), new ArraySegment<byte>(Body), Header.Seq);
        }
    }

    /// <summary>The message codec (PROTOCOL.md): encodes messages into multipart frames and checks received ones.</summary>
    public static class Codec
    {
        public const long DefaultMaxPixels = 4096L * 4096L;

        public static Layout LayoutOf(MessageType type)
        {
            switch (type)
            {
                case MessageType.Hello:
                case MessageType.HelloAck:
                case MessageType.Dropped:
                case MessageType.Error:
                case MessageType.CompareResult:
                case MessageType.CaptureAck:
                case MessageType.Control:
                case MessageType.ControlReply:
                    return new Layout(0, true);
                case MessageType.Frame:
                case MessageType.Result:
                    return new Layout(1, false);
                case MessageType.Compare:
                    return new Layout(2, false);
                case MessageType.Capture:
                    return new Layout(1, true);
                case MessageType.Ping:
                case MessageType.Pong:
                    return new Layout(0, false);
                default:
                    throw new ProtocolException(ErrorCode.UnknownType, "unknown message type " + (int)type);
            }
        }

        /// <summary>The frames of a message: header, images (not copied), body.</summary>
        public static List<ArraySegment<byte>> Encode(Message message)
        {
            var layout = LayoutOf(message.Header.Type);
            if (message.Images.Length != layout.Images || (message.Body != null) != layout.Body)
                throw new ArgumentException(WireNames.Name(message.Header.Type) + " carries " + layout.Images +
                                            " image(s) and body=" + layout.Body);
            var parts = new List<ArraySegment<byte>>(layout.Parts) { new ArraySegment<byte>(message.Header.Encode()) };
            parts.AddRange(message.Images);
            if (message.Body != null)
                parts.Add(new ArraySegment<byte>(message.Body));
            return parts;
        }

        /// <summary>
        /// Check and decode received frames; raises ProtocolException (code and reason) for anything else. The checks
        /// run in PROTOCOL.md's order of precedence, up to the body frame (steps 1-7); the fields of a request's body
        /// (step 10) are <see cref="RequestBodies.Read"/>'s.
        /// </summary>
        public static Message Decode(IList<ArraySegment<byte>> parts, long maxPixels = DefaultMaxPixels)
        {
            if (parts.Count == 0)
                throw new ProtocolException(ErrorCode.BadParts, "empty message");
            var header = Header.Decode(parts[0]);
            var layout = LayoutOf(header.Type);
            if (parts.Count != layout.Parts)
                throw new ProtocolException(ErrorCode.BadParts,
                    WireNames.Name(header.Type) + " takes " + layout.Parts + " frames (header, " + layout.Images +
                    " image(s)" + (layout.Body ? ", a JSON body" : "") + "), got " + parts.Count, header.Seq);
            var images = new ArraySegment<byte>[layout.Images];
            for (var i = 0; i < layout.Images; i++)
                images[i] = parts[1 + i];
            if (layout.Images > 0)
                CheckImages(header, images, maxPixels);
            byte[] body = null;
            if (layout.Body)
            {
                var last = parts[parts.Count - 1];
                JsonBody.Read(last, header.Seq); // size, UTF-8, JSON, an object, no lone surrogates
                body = new byte[last.Count];
                Buffer.BlockCopy(last.Array, last.Offset, body, 0, last.Count);
            }
            return new Message(header, images, body);
        }

        static void CheckImages(Header header, ArraySegment<byte>[] images, long maxPixels)
        {
            var name = WireNames.Name(header.Type);
            if (header.PixelFormat == PixelFormat.None)
                throw new ProtocolException(ErrorCode.BadFormat, name + " needs a pixel format (RGBA32 or RGB24)",
                    header.Seq);
            if (header.Width < 1 || header.Height < 1)
                throw new ProtocolException(ErrorCode.BadSize,
                    "image size " + header.Width + "x" + header.Height + " is empty", header.Seq);
            if ((long)header.Width * header.Height > maxPixels)
                throw new ProtocolException(ErrorCode.TooLarge,
                    "image size " + header.Width + "x" + header.Height + " exceeds the limit of " + maxPixels +
                    " pixels", header.Seq);
            for (var i = 0; i < images.Length; i++)
            {
                if (images[i].Count != header.ImageBytes)
                    throw new ProtocolException(ErrorCode.BadSize,
                        "image part " + i + " holds " + images[i].Count + " bytes, but " + header.Width + "x" +
                        header.Height + " " + WireNames.Name(header.PixelFormat) + " needs " + header.ImageBytes +
                        " (rows tightly packed, no padding)", header.Seq);
            }
        }
    }
}
