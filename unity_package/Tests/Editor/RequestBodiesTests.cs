using System;
using System.Collections.Generic;
using System.Text;
using NUnit.Framework;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>The request body rules of PROTOCOL.md ("Request bodies"), as bridge/bodies.py applies them.</summary>
    [TestFixture]
    public class RequestBodiesTests
    {
        static Message Request(MessageType type, string json)
        {
            var header = Header.Create(type);
            header.Seq = 7;
            var images = new ArraySegment<byte>[0];
            if (type == MessageType.Capture)
            {
                header.Width = header.Height = 1;
                header.PixelFormat = PixelFormat.Rgb24;
                images = new[] { new ArraySegment<byte>(new byte[3]) };
            }
            return Codec.Decode(Codec.Encode(new Message(header, images, Encoding.UTF8.GetBytes(json))));
        }

        static T Read<T>(MessageType type, string json) where T : class
        {
            return (T)RequestBodies.Read(Request(type, json));
        }

        static ProtocolException Refusal(MessageType type, string json)
        {
            var refused = Assert.Throws<ProtocolException>(() => RequestBodies.Read(Request(type, json)), json);
            Assert.AreEqual(7UL, refused.Seq);
            return refused;
        }

        [Test]
        public void EveryHelloFieldIsOptionalAndNullMeansNotGiven()
        {
            foreach (var json in new[] { "{}", "{\"client\": null, \"caps\": null, \"max_in_flight\": null}" })
            {
                var hello = Read<HelloBody>(MessageType.Hello, json);
                Assert.IsNull(hello.Client);
                Assert.IsNull(hello.Caps);
                Assert.IsNull(hello.MaxInFlight);
            }
            var full = Read<HelloBody>(MessageType.Hello,
                "{\"client\": \"unity\", \"caps\": [\"frame\", \"new_thing\"], \"max_in_flight\": 2, \"later\": {}}");
            Assert.AreEqual("unity", full.Client);
            CollectionAssert.AreEqual(new[] { "frame", "new_thing" }, full.Caps);
            Assert.AreEqual(2, full.MaxInFlight);
        }

        [Test]
        public void HelloFieldsOfTheWrongTypeAreBadBodies()
        {
            var cases = new Dictionary<string, string>
            {
                { "{\"client\": 5}", "`client` must be a string, got the number 5" },
                { "{\"client\": true}", "got the boolean true" },
                { "{\"client\": {}}", "got an object" },
                { "{\"caps\": \"frame\"}", "`caps` must be a list of strings, got a string" },
                { "{\"caps\": [\"frame\", 1]}", "got a list holding non-strings" },
                { "{\"max_in_flight\": 2.0}", "`max_in_flight` must be an integer (no fraction or exponent), got the number 2.0" },
                { "{\"max_in_flight\": 2e0}", "got the number 2e0" },
                { "{\"max_in_flight\": \"2\"}", "got a string" },
                { "{\"max_in_flight\": 0}", "`max_in_flight` must be at least 1, got 0" },
                { "{\"max_in_flight\": -3}", "must be at least 1, got -3" },
                { "{\"max_in_flight\": -99999999999999999999}", "must be at least 1" },
            };
            foreach (var entry in cases)
            {
                var refused = Refusal(MessageType.Hello, entry.Key);
                Assert.AreEqual(ErrorCode.BadBody, refused.Code, entry.Key);
                StringAssert.Contains(entry.Value, refused.Reason);
            }
            Assert.AreEqual(long.MaxValue, Read<HelloBody>(MessageType.Hello, "{\"max_in_flight\": 99999999999999999999}").MaxInFlight,
                "a huge wish is still a wish: the server grants its limit");
        }

        [Test]
        public void CaptureSourcesCountCodePointsAndFrameIndicesAreLongs()
        {
            var astral = new StringBuilder();
            for (var i = 0; i < RequestBodies.SourceChars; i++)
                astral.Append("\ud83d\ude00"); // 200 code points, 400 UTF-16 units
            var capture = Read<CaptureBody>(MessageType.Capture, "{\"source\": \"" + astral + "\"}");
            Assert.AreEqual(astral.ToString(), capture.Source);
            Assert.IsNull(capture.FrameIndex);
            var tooLong = Refusal(MessageType.Capture, "{\"source\": \"" + astral + "x\"}");
            Assert.AreEqual(ErrorCode.BadBody, tooLong.Code);
            StringAssert.Contains("at most 200 characters, got 201", tooLong.Reason);

            Assert.AreEqual(long.MinValue, Read<CaptureBody>(MessageType.Capture, "{\"frame_index\": -9223372036854775808}").FrameIndex);
            Assert.AreEqual(long.MaxValue, Read<CaptureBody>(MessageType.Capture, "{\"frame_index\": 9223372036854775807}").FrameIndex);
            Assert.AreEqual(0, Read<CaptureBody>(MessageType.Capture, "{\"frame_index\": -0, \"source\": null}").FrameIndex);
            foreach (var json in new[] { "{\"frame_index\": 9223372036854775808}", "{\"frame_index\": -9223372036854775809}" })
                StringAssert.Contains("must be between -9223372036854775808 and 9223372036854775807",
                    Refusal(MessageType.Capture, json).Reason);
            foreach (var json in new[] { "{\"frame_index\": 1.5}", "{\"frame_index\": false}", "{\"source\": [\"cam\"]}" })
                Assert.AreEqual(ErrorCode.BadBody, Refusal(MessageType.Capture, json).Code);
        }

        [Test]
        public void ControlNeedsAKnownOpAndLoadModelAModel()
        {
            Assert.AreEqual("stats", Read<ControlBody>(MessageType.Control, "{\"op\": \"stats\"}").Op);
            var load = Read<ControlBody>(MessageType.Control, "{\"op\": \"load_model\", \"model\": \"b.onnx\"}");
            Assert.AreEqual("b.onnx", load.Model);
            foreach (var json in new[] { "{\"op\": \"list_models\", \"model\": \"b.onnx\"}", "{\"op\": \"stats\", \"model\": null}" })
                Assert.IsNull(Read<ControlBody>(MessageType.Control, json).Model, "only load_model uses `model`: " + json);
            foreach (var json in new[]
                     {
                         "{\"model\": \"style.onnx\"}", "{\"op\": null}", "{\"op\": 5}", "{\"op\": \"load_model\"}",
                         "{\"op\": \"load_model\", \"model\": 5}", "{\"op\": \"load_model\", \"model\": null}",
                         "{\"op\": \"list_models\", \"model\": 5}", "{\"op\": \"stats\", \"model\": [\"b.onnx\"]}",
                     })
                Assert.AreEqual(ErrorCode.BadBody, Refusal(MessageType.Control, json).Code, json);
            StringAssert.Contains("`model` must be a string", Refusal(MessageType.Control, "{\"op\": \"stats\", \"model\": 5}").Reason,
                "`model` is type-checked on every op, as the server checks it");
            var unknown = Refusal(MessageType.Control, "{\"op\": \"format_disk\"}");
            Assert.AreEqual(ErrorCode.BadRequest, unknown.Code);
            StringAssert.Contains("use stats, list_models, load_model", unknown.Reason);
            StringAssert.Contains("CONTROL needs `op` (a string)", Refusal(MessageType.Control, "{}").Reason);
        }

        [Test]
        public void TheBodyFrameIsCheckedBeforeItsFields()
        {
            var refused = Assert.Throws<ProtocolException>(() =>
                Request(MessageType.Control, "{\"op\": \"format_disk\", \"note\": \"\\udc00\"}"));
            Assert.AreEqual(ErrorCode.BadBody, refused.Code, "a lone surrogate (step 7) before the unknown op (step 10)");
        }

        [Test]
        public void OtherTypesHaveNoRequestFields()
        {
            Assert.IsNull(RequestBodies.Read(Request(MessageType.Dropped, "{\"reason\": 5}")));
            var ping = Header.Create(MessageType.Ping);
            Assert.IsNull(RequestBodies.Read(new Message(ping)));
        }
    }
}
