using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Xml.Linq;
using NUnit.Framework;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>
    /// Every golden vector listed in Tests/Fixtures~/bridge/index.json (new ones are picked up by themselves) is
    /// decoded and re-encoded as the Python tests do it: header and image frames to the same bytes, the JSON body,
    /// through its typed class, to an equal JSON value; and the decoded fields are what index.json says.
    /// </summary>
    [TestFixture]
    public class GoldenVectorTests
    {
        static XElement Index()
        {
            return TestData.ReadJson(File.ReadAllBytes(Path.Combine(TestData.BridgeVectors, "index.json")));
        }

        public static IEnumerable<TestCaseData> Vectors()
        {
            foreach (var entry in Index().Elements())
                yield return new TestCaseData(TestData.KeyOf(entry)).SetName("Vector_" + TestData.KeyOf(entry));
        }

        /// <summary>The frames of a .bin file: per frame a 4-byte little-endian length, then the bytes.</summary>
        static List<ArraySegment<byte>> ReadFrames(string file)
        {
            var data = File.ReadAllBytes(Path.Combine(TestData.BridgeVectors, file));
            var frames = new List<ArraySegment<byte>>();
            for (var offset = 0; offset < data.Length;)
            {
                var length = data[offset] | data[offset + 1] << 8 | data[offset + 2] << 16 | data[offset + 3] << 24;
                frames.Add(new ArraySegment<byte>(data, offset + 4, length));
                offset += 4 + length;
            }
            return frames;
        }

        static byte[] Bytes(ArraySegment<byte> segment)
        {
            var copy = new byte[segment.Count];
            Buffer.BlockCopy(segment.Array, segment.Offset, copy, 0, segment.Count);
            return copy;
        }

        [TestCaseSource("Vectors")]
        public void DecodesAndReencodes(string file)
        {
            var expected = TestData.Member(Index(), file);
            var frames = ReadFrames(file);
            var message = Codec.Decode(frames);

            var lengths = new List<string>();
            foreach (var frame in frames)
                lengths.Add(frame.Count.ToString(CultureInfo.InvariantCulture));
            Assert.AreEqual(TestData.Canonical(TestData.Member(expected, "frames")), "[" + string.Join(",", lengths.ToArray()) + "]");

            foreach (var field in TestData.Member(expected, "header").Elements())
                Assert.AreEqual(field.Value, HeaderField(message.Header, TestData.KeyOf(field)),
                    file + ": header field " + TestData.KeyOf(field));

            Assert.AreEqual(Bytes(frames[0]), message.Header.Encode(), "the header re-encodes byte for byte");
            var reencoded = Codec.Encode(new Message(message.Header, message.Images, Reencode(message)));
            Assert.AreEqual(frames.Count, reencoded.Count);
            for (var i = 1; i <= message.Images.Length; i++)
                Assert.AreEqual(Bytes(frames[i]), Bytes(reencoded[i]), "image frame " + i);

            var body = TestData.Member(expected, "body");
            if (message.Body == null)
            {
                Assert.AreEqual("null", TestData.Canonical(body));
                return;
            }
            var again = Bytes(reencoded[reencoded.Count - 1]);
            Assert.AreEqual(TestData.Canonical(message.Body), TestData.Canonical(again),
                "the body comes back as an equal JSON value through " + Bodies.TypeOf(message).Name);
            Assert.AreEqual(TestData.Canonical(body), TestData.Canonical(again), "index.json's body");
        }

        /// <summary>The body read into its typed class and written again (null for types without a body).</summary>
        static byte[] Reencode(Message message)
        {
            var type = Bodies.TypeOf(message);
            if (type == null)
                return null;
            var value = Json.Deserialize(type, new ArraySegment<byte>(message.Body));
            return Json.Serialize(type, value);
        }

        /// <summary>A decoded header field as index.json writes it (enum members by their protocol names).</summary>
        static string HeaderField(Header header, string name)
        {
            switch (name)
            {
                case "type": return WireNames.Name(header.Type);
                case "major": return header.Major.ToString(CultureInfo.InvariantCulture);
                case "minor": return header.Minor.ToString(CultureInfo.InvariantCulture);
                case "flags": return header.Flags.ToString(CultureInfo.InvariantCulture);
                case "seq": return header.Seq.ToString(CultureInfo.InvariantCulture);
                case "width": return header.Width.ToString(CultureInfo.InvariantCulture);
                case "height": return header.Height.ToString(CultureInfo.InvariantCulture);
                case "pixel_format": return WireNames.Name(header.PixelFormat);
                case "row_order": return WireNames.Name(header.RowOrder);
                case "color_encoding": return WireNames.Name(header.ColorEncoding);
                case "code": return header.Code.ToString(CultureInfo.InvariantCulture);
                case "generation": return header.Generation.ToString(CultureInfo.InvariantCulture);
                case "t_client_us": return header.TClientUs.ToString(CultureInfo.InvariantCulture);
                case "t_recv_us": return header.TRecvUs.ToString(CultureInfo.InvariantCulture);
                case "t_send_us": return header.TSendUs.ToString(CultureInfo.InvariantCulture);
                default:
                    Assert.Fail("index.json names a header field this client does not know: " + name);
                    return null;
            }
        }

        [Test]
        public void EveryMessageTypeHasAVector()
        {
            var seen = new HashSet<string>();
            foreach (var entry in Index().Elements())
                seen.Add(TestData.Member(TestData.Member(entry, "header"), "type").Value);
            foreach (MessageType type in Enum.GetValues(typeof(MessageType)))
                Assert.IsTrue(seen.Contains(WireNames.Name(type)), "no golden vector for " + WireNames.Name(type));
        }
    }
}
