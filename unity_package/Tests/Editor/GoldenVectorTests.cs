using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml.Linq;
using NUnit.Framework;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>
    /// Every golden vector listed in Tests/Fixtures~/bridge/index.json (new ones are picked up by themselves), with
    /// index.json's meaning: a valid vector (<c>error</c> null) is decoded and re-encoded as the Python tests do it,
    /// header and image frames to the same bytes and the JSON body, through its typed class, to an equal JSON value
    /// (absent optional fields stay absent, nulls stay null); a refused vector is refused by the C# decoder with the
    /// error code index.json names, as the server refuses it. Either way the header is what index.json says.
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
        public void DecodesAsIndexJsonSays(string file)
        {
            var expected = TestData.Member(Index(), file);
            var frames = ReadFrames(file);
            var lengths = new List<string>();
            foreach (var frame in frames)
                lengths.Add(frame.Count.ToString(CultureInfo.InvariantCulture));
            Assert.AreEqual(TestData.Canonical(TestData.Member(expected, "frames")), "[" + string.Join(",", lengths.ToArray()) + "]");
            var header = Header.Decode(frames[0]);
            foreach (var field in TestData.Member(expected, "header").Elements())
                Assert.AreEqual(field.Value, HeaderField(header, TestData.KeyOf(field)),
                    file + ": header field " + TestData.KeyOf(field));
            Assert.AreEqual(Bytes(frames[0]), header.Encode(), "the header re-encodes byte for byte");

            var error = TestData.Member(expected, "error");
            Assert.IsNotNull(error, file + ": index.json says whether the message is refused");
            if ((string)error.Attribute("type") == "null")
                DecodesAndReencodes(file, expected, frames);
            else
                IsRefused(file, expected, frames, error.Value);
        }

        static void DecodesAndReencodes(string file, XElement expected, List<ArraySegment<byte>> frames)
        {
            var message = Codec.Decode(frames);
            var request = RequestBodies.Read(message); // a valid request passes the field rules
            var reencoded = Codec.Encode(new Message(message.Header, message.Images, Reencode(message, request)));
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
                file + ": the body comes back as an equal JSON value through " + Bodies.TypeOf(message).Name);
            Assert.AreEqual(TestData.Canonical(body), TestData.Canonical(again), file + ": index.json's body");
        }

        /// <summary>The body read into its typed class (requests: as RequestBodies checked it) and written again.</summary>
        static byte[] Reencode(Message message, object request)
        {
            var type = Bodies.TypeOf(message);
            if (type == null)
                return null;
            var value = request ?? Json.Deserialize(type, new ArraySegment<byte>(message.Body));
            return Json.Serialize(type, value);
        }

        static void IsRefused(string file, XElement expected, List<ArraySegment<byte>> frames, string code)
        {
            var body = Bytes(frames[frames.Count - 1]);
            var text = TestData.Member(expected, "body_text");
            if (text != null)
                Assert.AreEqual(text.Value, Encoding.ASCII.GetString(body), file + ": index.json's body_text");
            else
                Assert.AreEqual(TestData.Canonical(TestData.Member(expected, "body")), TestData.Canonical(body),
                    file + ": index.json's body");
            var refused = Assert.Throws<ProtocolException>(() => RequestBodies.Read(Codec.Decode(frames)),
                file + " must be refused with " + code);
            Assert.AreEqual(code, WireNames.Name(refused.Code), file + ": " + refused.Message);
            Assert.AreEqual(Header.Decode(frames[0]).Seq, refused.Seq, "the refusal names the request's seq");
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
