using System;

namespace StyleBridge.Contract
{
    /// <summary>
    /// Where a source frame goes in the model's input: scaled (keeping its aspect ratio) to a working height, then
    /// padded up to the model's size multiple, and cropped back after the model ran. Earlier projects stretched
    /// every frame to a fixed square, which distorts the style; this keeps the picture's shape.
    /// </summary>
    public struct FrameGeometry : IEquatable<FrameGeometry>
    {
        public int SourceWidth;
        public int SourceHeight;
        public int ContentWidth; // the frame scaled to the working size (same aspect ratio)
        public int ContentHeight;
        public int PaddedWidth; // the tensor's size: content rounded up to the size multiple
        public int PaddedHeight;

        /// <param name="workingHeight">height the model runs at (0: the source's own height)</param>
        public static FrameGeometry Fit(int sourceWidth, int sourceHeight, int workingHeight, int sizeMultiple)
        {
            if (sourceWidth < 1 || sourceHeight < 1)
                throw new ArgumentException("the source frame is empty: " + sourceWidth + "x" + sourceHeight);
            if (sizeMultiple < 1)
                throw new ArgumentException("the size multiple must be positive, got " + sizeMultiple);
            var height = workingHeight > 0 ? workingHeight : sourceHeight;
            var width = Math.Max(1, (int)Math.Round(sourceWidth * (double)height / sourceHeight));
            return new FrameGeometry
            {
                SourceWidth = sourceWidth,
                SourceHeight = sourceHeight,
                ContentWidth = width,
                ContentHeight = height,
                PaddedWidth = RoundUp(width, sizeMultiple),
                PaddedHeight = RoundUp(height, sizeMultiple),
            };
        }

        /// <summary>
        /// The texture-coordinate scale that blits the source into the padded texture: content fills the lower-left
        /// part and the clamped edge texels fill the padding (Graphics.Blit(source, padded, scale, offset 0)).
        /// </summary>
        public float PadScaleX
        {
            get { return PaddedWidth / (float)ContentWidth; }
        }

        public float PadScaleY
        {
            get { return PaddedHeight / (float)ContentHeight; }
        }

        /// <summary>The scale that blits the padded output back to the content (crop): the inverse of the pad scale.</summary>
        public float CropScaleX
        {
            get { return ContentWidth / (float)PaddedWidth; }
        }

        public float CropScaleY
        {
            get { return ContentHeight / (float)PaddedHeight; }
        }

        public bool NeedsPadding
        {
            get { return PaddedWidth != ContentWidth || PaddedHeight != ContentHeight; }
        }

        /// <summary>Field by field, without boxing (runners compare every frame).</summary>
        public bool Equals(FrameGeometry other)
        {
            return SourceWidth == other.SourceWidth && SourceHeight == other.SourceHeight &&
                   ContentWidth == other.ContentWidth && ContentHeight == other.ContentHeight &&
                   PaddedWidth == other.PaddedWidth && PaddedHeight == other.PaddedHeight;
        }

        public override bool Equals(object obj)
        {
            return obj is FrameGeometry && Equals((FrameGeometry)obj);
        }

        public override int GetHashCode()
        {
            return ((SourceWidth * 31 + SourceHeight) * 31 + ContentHeight) * 31 + PaddedWidth;
        }

        static int RoundUp(int value, int multiple)
        {
            return (value + multiple - 1) / multiple * multiple;
        }

        public override string ToString()
        {
            return SourceWidth + "x" + SourceHeight + " -> " + ContentWidth + "x" + ContentHeight + " padded to " +
                   PaddedWidth + "x" + PaddedHeight;
        }
    }
}
