using System;
using System.Collections.Generic;
using StyleBridge.Protocol;

namespace StyleBridge.Client
{
    /// <summary>
    /// Pixels of one frame in the wire layout (tightly packed rows), with their layout. Frames come from a
    /// <see cref="FramePool"/> and go back to it, so a game loop streams without allocating per frame.
    /// </summary>
    public sealed class FrameBuffer
    {
        internal FrameBuffer(int capacity)
        {
            Data = new byte[capacity];
        }

        /// <summary>The pixel bytes; only the first <see cref="Length"/> belong to the frame.</summary>
        public byte[] Data { get; private set; }

        public int Width { get; private set; }
        public int Height { get; private set; }
        public PixelFormat Format { get; private set; }
        public RowOrder RowOrder;
        public ColorEncoding ColorEncoding;

        /// <summary>The caller's tag for this frame (e.g. the game frame number); a RESULT carries its FRAME's tag.</summary>
        public long FrameIndex;

        /// <summary>The request's seq (set when sent; a RESULT's seq is its FRAME's).</summary>
        public ulong Seq { get; internal set; }

        /// <summary>The model generation that produced a RESULT (0 for frames being sent).</summary>
        public int Generation { get; internal set; }

        /// <summary>Round trip of a RESULT in seconds, from the client clock echoed in its header.</summary>
        public double RoundTripSeconds { get; internal set; }

        public int Length
        {
            get { return Width * Height * WireNames.BytesPerPixel(Format); }
        }

        public ArraySegment<byte> Pixels
        {
            get { return new ArraySegment<byte>(Data, 0, Length); }
        }

        internal void Shape(int width, int height, PixelFormat format)
        {
            if (width < 1 || height < 1)
                throw new ArgumentException("a frame needs a positive size, got " + width + "x" + height);
            if (format == PixelFormat.None)
                throw new ArgumentException("a frame needs a pixel format (RGBA32 or RGB24)");
            var length = (long)width * height * WireNames.BytesPerPixel(format);
            if (length > Data.Length)
                Data = new byte[length];
            Width = width;
            Height = height;
            Format = format;
            RowOrder = RowOrder.TopDown;
            ColorEncoding = ColorEncoding.Srgb;
            FrameIndex = 0;
            Seq = 0;
            Generation = 0;
            RoundTripSeconds = 0;
        }
    }

    /// <summary>A thread-safe pool of frame buffers (the client's I/O thread and the game's main thread share it).</summary>
    public sealed class FramePool
    {
        readonly Stack<FrameBuffer> free = new Stack<FrameBuffer>();
        readonly int keep;

        /// <param name="keep">buffers kept for reuse at most; more are left to the GC</param>
        public FramePool(int keep = 8)
        {
            this.keep = keep;
        }

        /// <summary>A buffer for a width x height frame of <paramref name="format"/>; its old contents are undefined.</summary>
        public FrameBuffer Rent(int width, int height, PixelFormat format)
        {
            FrameBuffer frame = null;
            lock (free)
            {
                if (free.Count > 0)
                    frame = free.Pop();
            }
            if (frame == null)
                frame = new FrameBuffer((int)Math.Min(int.MaxValue, (long)width * height * WireNames.BytesPerPixel(format)));
            frame.Shape(width, height, format);
            return frame;
        }

        /// <summary>A pooled copy of <paramref name="pixels"/> (tightly packed rows).</summary>
        public FrameBuffer Copy(ArraySegment<byte> pixels, int width, int height, PixelFormat format, RowOrder rows,
            ColorEncoding encoding)
        {
            var frame = Rent(width, height, format);
            if (pixels.Count != frame.Length)
            {
                Return(frame);
                throw new ArgumentException("a " + width + "x" + height + " " + WireNames.Name(format) + " frame holds " +
                                            frame.Length + " bytes, got " + pixels.Count);
            }
            Buffer.BlockCopy(pixels.Array, pixels.Offset, frame.Data, 0, pixels.Count);
            frame.RowOrder = rows;
            frame.ColorEncoding = encoding;
            return frame;
        }

        public void Return(FrameBuffer frame)
        {
            if (frame == null)
                return;
            lock (free)
            {
                if (free.Count < keep && !free.Contains(frame))
                    free.Push(frame);
            }
        }
    }
}
