using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using StyleBridge.Protocol;
using StyleBridge.Transport;

namespace StyleBridge.Client
{
    /// <summary>
    /// Collects the parts of one received message, copying each straight out of libzmq's buffer: the header into
    /// a reused array, a RESULT's image into a pooled frame, anything else into a fresh array.
    /// </summary>
    internal sealed class ReplyReader : IPartSink
    {
        readonly FramePool pool;
        readonly byte[] headerBytes = new byte[Header.Size];
        readonly List<ArraySegment<byte>> parts = new List<ArraySegment<byte>>(4);
        Header header;
        bool headerRead;
        FrameBuffer image;

        public ReplyReader(FramePool pool)
        {
            this.pool = pool;
        }

        public void Part(int index, IntPtr data, int size)
        {
            if (index == 0)
                Discard();
            if (index == 0 && size == Header.Size)
            {
                Marshal.Copy(data, headerBytes, 0, size);
                parts.Add(new ArraySegment<byte>(headerBytes));
                try
                {
                    header = Header.Decode(headerBytes);
                    headerRead = true;
                }
                catch (ProtocolException)
                {
                    headerRead = false; // Decode() reports it
                }
                return;
            }
            if (index == 1 && headerRead && header.Type == MessageType.Result && size == header.ImageBytes)
            {
                image = pool.Rent((int)header.Width, (int)header.Height, header.PixelFormat);
                Marshal.Copy(data, image.Data, 0, size);
                parts.Add(new ArraySegment<byte>(image.Data, 0, size));
                return;
            }
            var copy = new byte[size];
            if (size > 0)
                Marshal.Copy(data, copy, 0, size);
            parts.Add(new ArraySegment<byte>(copy));
        }

        /// <summary>The message received last, checked by the codec.</summary>
        public Message Decode()
        {
            return Codec.Decode(parts, long.MaxValue);
        }

        /// <summary>The RESULT image of the last message (now the caller's), or null.</summary>
        public FrameBuffer TakeImage()
        {
            var taken = image;
            image = null;
            return taken;
        }

        /// <summary>Forget the last message, giving its image back to the pool.</summary>
        public void Discard()
        {
            pool.Return(image);
            image = null;
            parts.Clear();
            headerRead = false;
        }
    }
}
