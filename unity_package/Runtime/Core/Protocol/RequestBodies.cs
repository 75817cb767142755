using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace StyleBridge.Protocol
{
    /// <summary>
    /// The fields of request bodies (HELLO, CAPTURE, CONTROL): their types, which are required, their ranges; the C#
    /// twin of bridge/bodies.py and PROTOCOL.md's "Request bodies" table. Every check is about the message alone, so a
    /// malformed body gets BAD_BODY (BAD_REQUEST for an unknown CONTROL op) from any reader at any time. An optional
    /// field may be absent or null, both meaning "not given" (null here); unknown keys are ignored. The client runs
    /// its own requests through these rules before sending them, so a bad argument fails at once, saying why.
    /// </summary>
    public static class RequestBodies
    {
        public const int SourceChars = 200; // a CAPTURE source, at most (code points)

        public static readonly IList<string> ControlOps =
            new[] { ControlBody.Stats, ControlBody.ListModels, ControlBody.LoadModel };

        /// <summary>The checked body of a request (HelloBody, CaptureBody or ControlBody); null for other types.</summary>
        public static object Read(Message message)
        {
            switch (message.Header.Type)
            {
                case MessageType.Hello:
                {
                    var fields = new Fields(message);
                    return new HelloBody
                    {
                        Client = fields.String("client"),
                        Caps = fields.StringList("caps"),
                        MaxInFlight = fields.Integer("max_in_flight", 1, null),
                    };
                }
                case MessageType.Capture:
                {
                    var fields = new Fields(message);
                    return new CaptureBody
                    {
                        Source = fields.String("source", false, SourceChars),
                        FrameIndex = fields.Integer("frame_index", long.MinValue, long.MaxValue),
                    };
                }
                case MessageType.Control:
                {
                    var fields = new Fields(message);
                    var op = fields.String("op", true);
                    if (!ControlOps.Contains(op))
                        throw new ProtocolException(ErrorCode.BadRequest, "unknown CONTROL op '" + op + "'; use " +
                                                                          string.Join(", ", ControlOps), message.Header.Seq);
                    // `model` is type-checked on every op (BAD_BODY like any mistyped field); only load_model needs and uses it
                    var model = fields.String("model", op == ControlBody.LoadModel);
                    return new ControlBody { Op = op, Model = op == ControlBody.LoadModel ? model : null };
                }
                default:
                    return null;
            }
        }

        /// <summary>Typed reads of one body's fields; a wrong type or a missing required field is BAD_BODY.</summary>
        sealed class Fields
        {
            static readonly Regex IntegerGrammar = new Regex("^-?(0|[1-9][0-9]*)$", RegexOptions.CultureInvariant);

            readonly JsonBody body;
            readonly Header header;

            public Fields(Message message)
            {
                header = message.Header;
                if (message.Body == null)
                    throw Refuse(WireNames.Name(header.Type) + " needs a JSON body");
                body = JsonBody.Read(new ArraySegment<byte>(message.Body), header.Seq);
            }

            /// <summary>The field, or null when it is absent or null (a required one: BAD_BODY).</summary>
            JsonValue Get(string name, bool required, string expected)
            {
                var value = body[name];
                if (value != null && value.Type == JsonType.Null)
                    value = null;
                if (value == null && required)
                    throw Refuse(WireNames.Name(header.Type) + " needs `" + name + "` (" + expected + ")");
                return value;
            }

            public string String(string name, bool required = false, int maxChars = -1)
            {
                var value = Get(name, required, "a string");
                if (value == null)
                    return null;
                if (value.Type != JsonType.String)
                    throw Refuse("`" + name + "` must be a string, got " + value.Describe());
                var length = JsonBody.CodePoints(value.Text);
                if (maxChars >= 0 && length > maxChars)
                    throw Refuse("`" + name + "` must be at most " + maxChars + " characters, got " + length);
                return value.Text;
            }

            /// <summary>
            /// An integer field (no fraction or exponent: 2.0 is refused), within the bounds given (null: none). Beyond
            /// a long's range is out of any bound; without that bound it reads as long.MinValue or long.MaxValue.
            /// </summary>
            public long? Integer(string name, long? minimum, long? maximum)
            {
                var value = Get(name, false, "an integer");
                if (value == null)
                    return null;
                if (value.Type != JsonType.Number || !IntegerGrammar.IsMatch(value.Text))
                    throw Refuse("`" + name + "` must be an integer (no fraction or exponent), got " + value.Describe());
                long number;
                var negative = value.Text[0] == '-';
                var fits = long.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture,
                    out number);
                var below = minimum.HasValue && (fits ? number < minimum.Value : negative);
                var above = maximum.HasValue && (fits ? number > maximum.Value : !negative);
                if (below || above)
                {
                    var bounds = !maximum.HasValue ? "at least " + minimum
                        : !minimum.HasValue ? "at most " + maximum
                        : "between " + minimum + " and " + maximum;
                    throw Refuse("`" + name + "` must be " + bounds + ", got " + value.Text);
                }
                return fits ? number : negative ? long.MinValue : long.MaxValue;
            }

            public List<string> StringList(string name)
            {
                var value = Get(name, false, "a list of strings");
                if (value == null)
                    return null;
                var strings = new List<string>();
                if (value.Type == JsonType.Array)
                {
                    foreach (var item in value.Items)
                    {
                        if (item.Type == JsonType.String)
                            strings.Add(item.Text);
                    }
                }
                if (value.Type != JsonType.Array || strings.Count != value.Items.Count)
                    throw Refuse("`" + name + "` must be a list of strings, got " + value.Describe());
                return strings;
            }

            ProtocolException Refuse(string reason)
            {
                return new ProtocolException(ErrorCode.BadBody, reason, header.Seq);
            }
        }
    }
}
