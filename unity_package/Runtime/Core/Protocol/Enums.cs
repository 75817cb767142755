namespace StyleBridge.Protocol
{
    /// <summary>Message types (PROTOCOL.md, "Message types").</summary>
    public enum MessageType : byte
    {
        Hello = 1,
        HelloAck = 2,
        Frame = 3,
        Result = 4,
        Dropped = 5,
        Error = 6,
        Compare = 7,
        CompareResult = 8,
        Capture = 9,
        CaptureAck = 10,
        Control = 11,
        ControlReply = 12,
        Ping = 13,
        Pong = 14,
    }

    public enum PixelFormat : byte
    {
        None = 0,
        Rgba32 = 1, // 4 bytes R, G, B, A
        Rgb24 = 2, // 3 bytes R, G, B
    }

    public enum RowOrder : byte
    {
        TopDown = 0, // row 0 is the top of the picture (PNG, numpy)
        BottomUp = 1, // row 0 is the bottom (Unity textures)
    }

    public enum ColorEncoding : byte
    {
        Srgb = 0,
        Linear = 1,
    }

    /// <summary>ERROR codes (PROTOCOL.md, "Error codes"); programs branch on these, people read the message.</summary>
    public enum ErrorCode : ushort
    {
        Ok = 0,
        BadHeader = 1,
        VersionMismatch = 2,
        UnknownType = 3,
        BadParts = 4,
        BadFormat = 5,
        BadSize = 6,
        TooLarge = 7,
        BadBody = 8,
        NotReady = 9,
        Overloaded = 10,
        ModelError = 11,
        NotConfigured = 12,
        BadRequest = 13,
        Internal = 14,
    }

    /// <summary>The protocol's spelling of enum values (index.json, ERROR bodies): "RGBA32", "BOTTOM_UP", "NOT_READY".</summary>
    public static class WireNames
    {
        public static int BytesPerPixel(PixelFormat format)
        {
            switch (format)
            {
                case PixelFormat.Rgba32: return 4;
                case PixelFormat.Rgb24: return 3;
                default: return 0;
            }
        }

        public static string Name(MessageType type)
        {
            return Upper(type.ToString());
        }

        public static string Name(ErrorCode code)
        {
            return Upper(code.ToString());
        }

        public static string Name(RowOrder order)
        {
            return Upper(order.ToString());
        }

        public static string Name(ColorEncoding encoding)
        {
            return Upper(encoding.ToString());
        }

        public static string Name(PixelFormat format)
        {
            return format.ToString().ToUpperInvariant();
        }

        /// <summary>"HelloAck" -> "HELLO_ACK".</summary>
        static string Upper(string pascal)
        {
            var text = new System.Text.StringBuilder(pascal.Length + 4);
            for (var i = 0; i < pascal.Length; i++)
            {
                if (i > 0 && char.IsUpper(pascal[i]))
                    text.Append('_');
                text.Append(char.ToUpperInvariant(pascal[i]));
            }
            return text.ToString();
        }
    }
}
