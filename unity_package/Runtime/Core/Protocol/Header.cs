using System;

namespace StyleBridge.Protocol
{
    /// <summary>
    /// The 56-byte little-endian header frame every message starts with (PROTOCOL.md, "Header frame").
    /// A plain struct read and written byte by byte, so the layout does not depend on the machine's endianness.
    /// </summary>
    public struct Header
    {
        public const int Size = 56;
        public const byte FlagSaveVisual = 1; // COMPARE: also save a side-by-side image
        public const byte FlagDiagnose = 2; // COMPARE (1.1): also diagnose why the engine's output differs
        static readonly byte[] Magic = { (byte)'S', (byte)'B', (byte)'R', (byte)'G' };

        public byte Major;
        public byte Minor;
        public MessageType Type;
        public byte Flags;
        public ulong Seq;
        public uint Width;
        public uint Height;
        public PixelFormat PixelFormat;
        public RowOrder RowOrder;
        public ColorEncoding ColorEncoding;
        public ushort Code; // ERROR: an ErrorCode
        public ushort Generation; // RESULT, COMPARE_RESULT, CONTROL_REPLY to load_model: the server's model generation
        public ulong TClientUs; // client clock when sent, echoed in the reply
        public ulong TRecvUs; // server clock when the request arrived
        public ulong TSendUs; // server clock when the reply left

        public static Header Create(MessageType type)
        {
            return new Header { Major = Compat.ProtocolMajor, Minor = Compat.ProtocolMinor, Type = type };
        }

        /// <summary>Bytes of one image part with this header's size and pixel format.</summary>
        public long ImageBytes
        {
            get { return (long)Width * Height * WireNames.BytesPerPixel(PixelFormat); }
        }

        public ErrorCode ErrorCode
        {
            get { return (ErrorCode)Code; }
        }

        public byte[] Encode()
        {
            var data = new byte[Size];
            EncodeInto(data, 0);
            return data;
        }

        public void EncodeInto(byte[] data, int offset)
        {
            if (data.Length - offset < Size)
                throw new ArgumentException("a header needs " + Size + " bytes");
            Buffer.BlockCopy(Magic, 0, data, offset, 4);
            data[offset + 4] = Major;
            data[offset + 5] = Minor;
            data[offset + 6] = (byte)Type;
            data[offset + 7] = Flags;
            WriteU64(data, offset + 8, Seq);
            WriteU32(data, offset + 16, Width);
            WriteU32(data, offset + 20, Height);
            data[offset + 24] = (byte)PixelFormat;
            data[offset + 25] = (byte)RowOrder;
            data[offset + 26] = (byte)ColorEncoding;
            data[offset + 27] = 0;
            WriteU16(data, offset + 28, Code);
            WriteU16(data, offset + 30, Generation);
            WriteU64(data, offset + 32, TClientUs);
            WriteU64(data, offset + 40, TRecvUs);
            WriteU64(data, offset + 48, TSendUs);
        }

        /// <summary>Read and check a header frame; anything unreadable raises a ProtocolException with its code.</summary>
        public static Header Decode(ArraySegment<byte> frame)
        {
            if (frame.Count != Size)
                throw new ProtocolException(ErrorCode.BadHeader,
                    "the header frame must be " + Size + " bytes, got " + frame.Count);
            var data = frame.Array;
            var o = frame.Offset;
            for (var i = 0; i < 4; i++)
            {
                if (data[o + i] != Magic[i])
                    throw new ProtocolException(ErrorCode.BadHeader, "the header must start with SBRG");
            }
            var header = new Header
            {
                Major = data[o + 4],
                Minor = data[o + 5],
                Type = (MessageType)data[o + 6],
                Flags = data[o + 7],
                Seq = ReadU64(data, o + 8),
                Width = ReadU32(data, o + 16),
                Height = ReadU32(data, o + 20),
                PixelFormat = (PixelFormat)data[o + 24],
                RowOrder = (RowOrder)data[o + 25],
                ColorEncoding = (ColorEncoding)data[o + 26],
                Code = ReadU16(data, o + 28),
                Generation = ReadU16(data, o + 30),
                TClientUs = ReadU64(data, o + 32),
                TRecvUs = ReadU64(data, o + 40),
                TSendUs = ReadU64(data, o + 48),
            };
            if (!Compat.Understands(header.Major))
                throw new ProtocolException(ErrorCode.VersionMismatch,
                    Compat.VersionMismatchReason(header.Major, header.Minor), header.Seq);
            if (!Enum.IsDefined(typeof(MessageType), header.Type))
                throw new ProtocolException(ErrorCode.UnknownType, "unknown message type " + (int)header.Type, header.Seq);
            if (!Enum.IsDefined(typeof(PixelFormat), header.PixelFormat) ||
                !Enum.IsDefined(typeof(RowOrder), header.RowOrder) ||
                !Enum.IsDefined(typeof(ColorEncoding), header.ColorEncoding))
                throw new ProtocolException(ErrorCode.BadFormat,
                    "unknown pixel format " + (int)header.PixelFormat + ", row order " + (int)header.RowOrder +
                    " or colour encoding " + (int)header.ColorEncoding +
                    " (formats: 1 RGBA32, 2 RGB24; rows: 0 top-down, 1 bottom-up; encodings: 0 sRGB, 1 linear)",
                    header.Seq);
            return header;
        }

        public static Header Decode(byte[] frame)
        {
            return Decode(new ArraySegment<byte>(frame));
        }

        static void WriteU16(byte[] data, int offset, ushort value)
        {
            data[offset] = (byte)value;
            data[offset + 1] = (byte)(value >> 8);
        }

        static void WriteU32(byte[] data, int offset, uint value)
        {
            for (var i = 0; i < 4; i++)
                data[offset + i] = (byte)(value >> (8 * i));
        }

        static void WriteU64(byte[] data, int offset, ulong value)
        {
            for (var i = 0; i < 8; i++)
                data[offset + i] = (byte)(value >> (8 * i));
        }

        static ushort ReadU16(byte[] data, int offset)
        {
            return (ushort)(data[offset] | (data[offset + 1] << 8));
        }

        static uint ReadU32(byte[] data, int offset)
        {
            uint value = 0;
            for (var i = 3; i >= 0; i--)
                value = (value << 8) | data[offset + i];
            return value;
        }

        static ulong ReadU64(byte[] data, int offset)
        {
            ulong value = 0;
            for (var i = 7; i >= 0; i--)
                value = (value << 8) | data[offset + i];
            return value;
        }
    }

    /// <summary>A message that breaks the protocol, with the ERROR code it earns and why.</summary>
    public class ProtocolException : Exception
    {
        public ProtocolException(ErrorCode code, string reason, ulong seq = 0)
            : base(WireNames.Name(code) + ": " + reason)
        {
            Code = code;
            Reason = reason;
            Seq = seq;
        }

        public ErrorCode Code { get; private set; }
        public string Reason { get; private set; }
        public ulong Seq { get; private set; }
    }
}
