using System;
using System.Collections.Generic;
using System.Text;
using NUnit.Framework;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>The codec refuses what PROTOCOL.md says to refuse, with the error code it names.</summary>
    [TestFixture]
    public class ProtocolTests
    {
        static Header FrameHeader(uint width = 4, uint height = 2)
        {
            var header = Header.Create(MessageType.Frame);
            header.Seq = 42;
            header.Width = width;
            header.Height = height;
            header.PixelFormat = PixelFormat.Rgba32;
            return header;
        }

        static ErrorCode CodeOf(TestDelegate action)
        {
            return Assert.Throws<ProtocolException>(action).Code;
        }

        static List<ArraySegment<byte>> Parts(params byte[][] parts)
        {
            var list = new List<ArraySegment<byte>>();
            foreach (var part in parts)
                list.Add(new ArraySegment<byte>(part));
            return list;
        }

        [Test]
        public void HeaderIsFiftySixLittleEndianBytes()
        {
            var header = FrameHeader();
            header.Seq = 0x0102030405060708;
            header.TClientUs = 1;
            var bytes = header.Encode();
            Assert.AreEqual(56, bytes.Length);
            Assert.AreEqual(Encoding.ASCII.GetBytes("SBRG"), new[] { bytes[0], bytes[1], bytes[2], bytes[3] });
            Assert.AreEqual(0x08, bytes[8]);
            Assert.AreEqual(0x01, bytes[15]);
            Assert.AreEqual(4, bytes[16]);
            Assert.AreEqual(1, bytes[32]);
            var back = Header.Decode(bytes);
            Assert.AreEqual(header.Seq, back.Seq);
            Assert.AreEqual(MessageType.Frame, back.Type);
        }

        [Test]
        public void ShortOrForeignHeadersAreBadHeaders()
        {
            Assert.AreEqual(ErrorCode.BadHeader, CodeOf(() => Header.Decode(new byte[55])));
            var bytes = FrameHeader().Encode();
            bytes[0] = (byte)'X';
            Assert.AreEqual(ErrorCode.BadHeader, CodeOf(() => Header.Decode(bytes)));
        }

        [Test]
        public void AnotherMajorVersionIsAVersionMismatchThatKeepsTheSeq()
        {
            var bytes = FrameHeader().Encode();
            bytes[4] = Compat.ProtocolMajor + 1;
            var error = Assert.Throws<ProtocolException>(() => Header.Decode(bytes));
            Assert.AreEqual(ErrorCode.VersionMismatch, error.Code);
            Assert.AreEqual(42UL, error.Seq);
            StringAssert.Contains("major versions must match", error.Reason);
        }

        [Test]
        public void AnotherMinorVersionIsUnderstoodWithAWarning()
        {
            var bytes = FrameHeader().Encode();
            bytes[5] = Compat.ProtocolMinor + 3;
            Assert.AreEqual(Compat.ProtocolMinor + 3, Header.Decode(bytes).Minor);
            Assert.IsNull(Compat.MinorMismatchWarning("server", Compat.ProtocolMinor));
            StringAssert.Contains("it works", Compat.MinorMismatchWarning("server", Compat.ProtocolMinor + 3));
        }

        [Test]
        public void UnknownTypesAndEnumValuesAreRefused()
        {
            var bytes = FrameHeader().Encode();
            bytes[6] = 99;
            Assert.AreEqual(ErrorCode.UnknownType, CodeOf(() => Header.Decode(bytes)));
            bytes = FrameHeader().Encode();
            bytes[25] = 7;
            Assert.AreEqual(ErrorCode.BadFormat, CodeOf(() => Header.Decode(bytes)));
        }

        [Test]
        public void WrongPartCountsAndImageSizesAreRefused()
        {
            var header = FrameHeader().Encode();
            Assert.AreEqual(ErrorCode.BadParts, CodeOf(() => Codec.Decode(Parts(header))));
            Assert.AreEqual(ErrorCode.BadSize, CodeOf(() => Codec.Decode(Parts(header, new byte[31]))));
            Assert.AreEqual(ErrorCode.TooLarge, CodeOf(() => Codec.Decode(Parts(FrameHeader(5000, 5000).Encode(), new byte[0]))));
            var none = FrameHeader();
            none.PixelFormat = PixelFormat.None;
            Assert.AreEqual(ErrorCode.BadFormat, CodeOf(() => Codec.Decode(Parts(none.Encode(), new byte[0]))));
            Assert.AreEqual(32, Codec.Decode(Parts(header, new byte[32])).Images[0].Count);
        }

        [Test]
        public void BodiesMustBeUtf8JsonObjects()
        {
            var header = Header.Create(MessageType.Dropped).Encode();
            Assert.AreEqual(ErrorCode.BadBody, CodeOf(() => Codec.Decode(Parts(header, Encoding.UTF8.GetBytes("[1, 2]")))));
            Assert.AreEqual(ErrorCode.BadBody, CodeOf(() => Codec.Decode(Parts(header, new byte[] { 0x7b, 0xff, 0x7d }))));
            Assert.AreEqual(ErrorCode.BadBody, CodeOf(() => Codec.Decode(Parts(header, new byte[JsonBody.MaxBytes + 1]))));
            var message = Codec.Decode(Parts(header, Encoding.UTF8.GetBytes("{\"reason\": \"x\", \"new_key\": [1]}")));
            Assert.AreEqual("x", message.BodyAs<DroppedBody>().Reason, "unknown keys are ignored");
            var wrongType = Codec.Decode(Parts(Header.Create(MessageType.HelloAck).Encode(),
                Encoding.UTF8.GetBytes("{\"max_in_flight\": \"two\"}")));
            Assert.AreEqual(ErrorCode.BadBody, CodeOf(() => wrongType.BodyAs<HelloAckBody>()));
        }

        static ErrorCode BodyCode(string json)
        {
            try
            {
                Codec.Decode(Parts(Header.Create(MessageType.Dropped).Encode(), Encoding.UTF8.GetBytes(json)));
                return ErrorCode.Ok;
            }
            catch (ProtocolException exc)
            {
                return exc.Code;
            }
        }

        [Test]
        public void LoneSurrogatesAreBadBodiesWhereverTheyAre()
        {
            foreach (var json in new[]
                     {
                         "{\"reason\": \"\\ud800x\"}", "{\"reason\": \"cam\\udc00\"}", "{\"\\ud800\": 1}",
                         "{\"a\": {\"b\": [1, {\"c\": \"\\udfff\"}]}}", "{\"a\": [\"\\ude00\\ud83d\"]}",
                         "{\"a\": {\"\\udbff\": null}}",
                     })
                Assert.AreEqual(ErrorCode.BadBody, BodyCode(json), json);
            var pair = Codec.Decode(Parts(Header.Create(MessageType.Dropped).Encode(),
                Encoding.UTF8.GetBytes("{\"reason\": \"\\ud83d\\ude00 \u00e9\ud83d\ude00\"}")));
            Assert.AreEqual("\ud83d\ude00 \u00e9\ud83d\ude00", pair.BodyAs<DroppedBody>().Reason, "pairs, escaped or not, are text");
            var lone = Assert.Throws<ProtocolException>(() => Codec.Decode(Parts(HelloHeader(),
                Encoding.UTF8.GetBytes("{\"client\": \"\\ud800x\"}"))));
            StringAssert.Contains("lone UTF-16 surrogate", lone.Reason);
            StringAssert.Contains("'\\ud800x'", lone.Reason);
            Assert.AreEqual(42UL, lone.Seq);
        }

        static byte[] HelloHeader()
        {
            var header = Header.Create(MessageType.Hello);
            header.Seq = 42;
            return header.Encode();
        }

        [Test]
        public void BodiesAreRfc8259Json()
        {
            foreach (var json in new[]
                     {
                         "{\"x\": NaN}", "{\"x\": Infinity}", "{\"x\": -Infinity}", "{\"x\": 01}", "{\"x\": 1.}",
                         "{\"x\": -}", "{\"x\": [1, NaN]}", "{\"x\": 1}\u0000", "{\"x\": 1} x", "\ufeff{}", "",
                         "{\"x\": 'a'}", "{\"x\": \"a\tb\"}", "null", "\"text\"", "5",
                     })
                Assert.AreEqual(ErrorCode.BadBody, BodyCode(json), json);
            foreach (var json in new[] { "{}", " \r\n\t{\"x\": -0, \"y\": 1e400, \"z\": [0.5e-3, 2E+2]} \n", "{\"x\": {\"y\": []}}" })
                Assert.AreEqual(ErrorCode.Ok, BodyCode(json), json);
            Assert.AreEqual(ErrorCode.BadBody, CodeOf(() => Codec.Decode(Parts(Header.Create(MessageType.Dropped).Encode(),
                Encoding.Unicode.GetBytes("{\"reason\": \"x\"}")))), "UTF-16 is not UTF-8");
        }

        /// <summary>A body <paramref name="depth"/> levels deep, the body itself being level 1.</summary>
        static string Nested(int depth)
        {
            return "{\"x\": " + new string('[', depth - 2) + "{\"y\": 1}" + new string(']', depth - 2) + "}";
        }

        [Test]
        public void BodiesNestAtMostThirtyTwoLevels()
        {
            Assert.AreEqual(32, JsonBody.MaxDepth);
            foreach (var depth in new[] { 3, 31, 32 })
                Assert.AreEqual(ErrorCode.Ok, BodyCode(Nested(depth)), "depth " + depth);
            foreach (var depth in new[] { 33, 1000, 30000 })
                Assert.AreEqual(ErrorCode.BadBody, BodyCode(Nested(depth)), "depth " + depth);
            var deep = Assert.Throws<ProtocolException>(() => Codec.Decode(Parts(HelloHeader(), Encoding.UTF8.GetBytes(Nested(33)))));
            StringAssert.Contains("deeper than 32 levels (the body itself is level 1)", deep.Reason);
            Assert.AreEqual(42UL, deep.Seq);
        }

        [Test]
        public void AKeyRepeatedInOneObjectIsABadBody()
        {
            foreach (var json in new[]
                     {
                         "{\"reason\": \"a\", \"reason\": \"b\"}", "{\"reason\": \"a\", \"reason\": \"a\"}",
                         "{\"x\": {\"k\": 1, \"j\": 2, \"k\": 3}}", "{\"x\": [{\"a\": 1}, {\"a\": 1, \"a\": 1}]}",
                         "{\"not a name\": 1, \"not a name\": 2}",
                     })
                Assert.AreEqual(ErrorCode.BadBody, BodyCode(json), json);
            Assert.AreEqual(ErrorCode.Ok, BodyCode("{\"a\": {\"a\": {\"a\": 1}}, \"b\": [{\"a\": 1}, {\"a\": 2}], \"A\": 0}"),
                "the same key in different objects, or in another case, is fine");
            var twice = Assert.Throws<ProtocolException>(() => Codec.Decode(Parts(HelloHeader(),
                Encoding.UTF8.GetBytes("{\"client\": \"a\", \"client\": \"b\"}"))));
            StringAssert.Contains("the key 'client' appears twice in one object", twice.Reason);
        }

        [Test]
        public void CommasStandOnlyBetweenValues()
        {
            foreach (var json in new[]
                     {
                         "{\"x\": 1,}", "{\"x\": [1,]}", "{\"x\": {\"y\": 1 , } }", "{\"x\": [1 2]}", "{\"x\": [{} {}]}",
                         "{\"x\": [true false]}", "{\"x\": 1}{\"y\": 2}", "{\"x\": 1} []", "{,\"x\": 1}", "{\"x\": [,1]}",
                         "{\"x\": [1,,2]}", "{\"x\": [[] []]}",
                     })
                Assert.AreEqual(ErrorCode.BadBody, BodyCode(json), json);
            foreach (var json in new[] { "{\"x\": \",]}\", \"y\": [1, \"\\\",\"]}", "{\"x\": [[], [1, {\"z\": null}]], \"y\": \"[1,]\"}" })
                Assert.AreEqual(ErrorCode.Ok, BodyCode(json), "commas and brackets in strings are text: " + json);
        }

        [Test]
        public void JsonFilesMayBeLargerThanABody()
        {
            var reason = new string('x', JsonBody.MaxBytes);
            var json = Encoding.UTF8.GetBytes("{\"reason\": \"" + reason + "\"}");
            Assert.AreEqual(reason, Json.Deserialize<DroppedBody>(json).Reason, "a sidecar or manifest has no size limit");
            Assert.AreEqual(ErrorCode.BadBody, CodeOf(() => Codec.Decode(Parts(Header.Create(MessageType.Dropped).Encode(), json))));
        }

        [Test]
        public void EncodingChecksTheLayout()
        {
            Assert.Throws<ArgumentException>(() => Codec.Encode(new Message(FrameHeader())));
            var parts = Codec.Encode(new Message(FrameHeader(), new[] { new ArraySegment<byte>(new byte[32]) }));
            Assert.AreEqual(2, parts.Count);
        }

        [Test]
        public void OptionalBodyMembersAreLeftOutAndNullsAreWritten()
        {
            var capture = Encoding.UTF8.GetString(Json.Serialize(new CaptureBody { Source = "cam" }));
            Assert.AreEqual("{\"source\":\"cam\"}", capture);
            var compare = TestData.Canonical(Json.Serialize(new CompareResultBody { Psnr = 100 }));
            Assert.AreEqual("{\"max_abs\":0,\"mean_abs\":0,\"model\":null,\"psnr\":100,\"ssim\":0,\"visual\":null}", compare);
            Assert.AreEqual("{}", Encoding.UTF8.GetString(Json.Serialize(new HelloBody())), "every HELLO field is optional");
        }

        [Test]
        public void WireNamesAreTheProtocols()
        {
            Assert.AreEqual("HELLO_ACK", WireNames.Name(MessageType.HelloAck));
            Assert.AreEqual("NOT_READY", WireNames.Name(ErrorCode.NotReady));
            Assert.AreEqual("BOTTOM_UP", WireNames.Name(RowOrder.BottomUp));
            Assert.AreEqual("RGB24", WireNames.Name(PixelFormat.Rgb24));
            Assert.AreEqual("SRGB", WireNames.Name(ColorEncoding.Srgb));
        }
    }
}
