using System;
using System.Collections.Generic;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace StyleBridge.Protocol
{
    /// <summary>The JSON types, as the BCL's JSON-to-XML reader names them in its <c>type</c> attribute.</summary>
    public enum JsonType
    {
        String,
        Number,
        Boolean,
        Null,
        Array,
        Object,
    }

    /// <summary>
    /// One value of a body: its JSON type, its text (strings, numbers, booleans: as written, so an integer can be told
    /// from <c>2.0</c>) and, for an array, its items (only for arrays directly under the body, where fields are).
    /// </summary>
    public sealed class JsonValue
    {
        public readonly JsonType Type;
        public readonly string Text;
        public readonly List<JsonValue> Items;

        public JsonValue(JsonType type, string text, List<JsonValue> items)
        {
            Type = type;
            Text = text;
            Items = items;
        }

        /// <summary>The value in words, for error messages ("the number 2.0", "a list holding non-strings").</summary>
        public string Describe()
        {
            switch (Type)
            {
                case JsonType.Boolean: return "the boolean " + Text;
                case JsonType.Number: return "the number " + Text;
                case JsonType.String: return "a string";
                case JsonType.Null: return "null";
                case JsonType.Array:
                    foreach (var item in Items)
                    {
                        if (item.Type != JsonType.String)
                            return "a list holding non-strings";
                    }
                    return "a list";
                default: return "an object";
            }
        }
    }

    /// <summary>
    /// A JSON body checked as PROTOCOL.md's "JSON body frame" says, with its top-level members for the field rules
    /// (RequestBodies). The BCL's reader (JsonReaderWriterFactory, no hand-written parser) does the parsing; on top of
    /// it this refuses what that reader lets through but the protocol does not. Before the reader, a scan of the
    /// text's punctuation (strings skipped) refuses nesting deeper than <see cref="MaxDepth"/>, a comma not between
    /// two values (<c>{"a":1,}</c>, <c>[1,]</c>), two values without a comma (<c>[1 2]</c>, <c>[{} {}]</c>, which the
    /// reader merges) and anything after the object. While reading: numbers outside RFC 8259's grammar (NaN,
    /// Infinity, 01, 1.), a key repeated in one object (readers disagree on which value wins), and strings or keys
    /// holding a lone UTF-16 surrogate (a <c>\uD800</c> escape without its pair), which is not Unicode text.
    /// Everything refused is BAD_BODY, as bridge/protocol.py refuses it.
    /// </summary>
    public sealed class JsonBody
    {
        public const int MaxBytes = 64 * 1024;

        /// <summary>Objects and arrays nested in a body, the body itself counting 1.</summary>
        public const int MaxDepth = 32;

        static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);
        static readonly char[] Whitespace = { ' ', '\t', '\r', '\n' };
        static readonly Regex NumberGrammar =
            new Regex("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant);

        readonly Dictionary<string, JsonValue> members = new Dictionary<string, JsonValue>();

        JsonBody()
        {
        }

        /// <summary>A body frame: at most <see cref="MaxBytes"/>, then as <see cref="Parse"/>.</summary>
        public static JsonBody Read(ArraySegment<byte> data, ulong seq = 0)
        {
            if (data.Count > MaxBytes)
                throw Refuse("the JSON body is " + data.Count + " bytes; the limit is " + MaxBytes, seq);
            return Parse(data, seq);
        }

        /// <summary>UTF-8 JSON text holding one object (any size: also for files such as sidecars).</summary>
        public static JsonBody Parse(ArraySegment<byte> data, ulong seq = 0)
        {
            string text;
            try
            {
                text = StrictUtf8.GetString(data.Array, data.Offset, data.Count);
            }
            catch (ArgumentException)
            {
                throw Refuse("the body is not UTF-8", seq);
            }
            var trimmed = text.Trim(Whitespace);
            if (trimmed.Length == 0 || trimmed[0] != '{')
                throw Refuse("the body must be a JSON object", seq);
            var problem = Punctuation(trimmed);
            if (problem != null)
                throw Refuse(problem, seq);
            var body = new JsonBody();
            try
            {
                using (var reader = JsonReaderWriterFactory.CreateJsonReader(data.Array, data.Offset, data.Count,
                           StrictUtf8, XmlDictionaryReaderQuotas.Max, null))
                    body.Walk(reader, seq);
            }
            catch (Exception exc) when (!(exc is ProtocolException)) // XmlException, mostly
            {
                throw Refuse("the body is not UTF-8 JSON (" + exc.Message + ")", seq);
            }
            return body;
        }

        /// <summary>The member with this key, or null when absent.</summary>
        public JsonValue this[string key]
        {
            get
            {
                JsonValue value;
                return members.TryGetValue(key, out value) ? value : null;
            }
        }

        /// <summary>A string's length in Unicode code points (a character outside the BMP counts 1).</summary>
        public static int CodePoints(string text)
        {
            var count = text.Length;
            for (var i = 0; i + 1 < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
                {
                    count--;
                    i++;
                }
            }
            return count;
        }

        /// <summary>Where <paramref name="text"/> holds a surrogate that is not half of a high-then-low pair; -1 if nowhere.</summary>
        public static int LoneSurrogateAt(string text)
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    i++;
                else if (char.IsSurrogate(text[i]))
                    return i;
            }
            return -1;
        }

        sealed class Open
        {
            public JsonType Type;
            public string Key;
            public bool IsMember; // a key of an object (not an array item)
            public readonly StringBuilder Text = new StringBuilder();
            public List<JsonValue> Items;
            public HashSet<string> Keys; // an object's keys so far
        }

        void Walk(XmlDictionaryReader reader, ulong seq)
        {
            var open = new List<Open>(); // the elements from the root down to the current one
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        var element = new Open
                        {
                            Type = TypeOf(reader.GetAttribute("type")),
                            Key = reader.GetAttribute("item") ?? reader.LocalName,
                            IsMember = open.Count > 0 && open[open.Count - 1].Type == JsonType.Object,
                        };
                        if (element.IsMember)
                        {
                            CheckText(element.Key, seq);
                            if (!open[open.Count - 1].Keys.Add(element.Key))
                                throw Refuse("the key " + Ascii(element.Key, 40) + " appears twice in one object; " +
                                             "send each key once", seq);
                        }
                        if (element.Type == JsonType.Array && open.Count == 1)
                            element.Items = new List<JsonValue>();
                        if (element.Type == JsonType.Object)
                            element.Keys = new HashSet<string>(StringComparer.Ordinal);
                        open.Add(element);
                        if (reader.IsEmptyElement)
                            Close(open, seq);
                        break;
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        open[open.Count - 1].Text.Append(reader.Value);
                        break;
                    case XmlNodeType.EndElement:
                        Close(open, seq);
                        break;
                }
            }
        }

        void Close(List<Open> open, ulong seq)
        {
            var element = open[open.Count - 1];
            open.RemoveAt(open.Count - 1);
            var text = element.Text.ToString();
            if (element.Type == JsonType.String)
                CheckText(text, seq);
            else if (element.Type == JsonType.Number && !NumberGrammar.IsMatch(text))
                throw Refuse("the body is not UTF-8 JSON ('" + text + "' is not a JSON number)", seq);
            var value = new JsonValue(element.Type, text, element.Items);
            if (open.Count == 1) // a member of the body (the root, an object since the text starts with '{', is open[0])
                members[element.Key] = value;
            else if (open.Count == 2 && open[1].Items != null)
                open[1].Items.Add(value);
        }

        enum Token
        {
            None,
            Open, // { or [
            Close, // } or ]
            Comma,
            Colon,
            Value, // a string, number, true, false or null
        }

        /// <summary>
        /// What is wrong with the text's punctuation, or null: nesting deeper than <see cref="MaxDepth"/>, a comma
        /// not between two values, two values without a comma, text after the object. Only tokens are looked at
        /// (strings skipped whole, other values as runs of characters); the reader checks the rest.
        /// </summary>
        static string Punctuation(string text)
        {
            var depth = 0;
            var previous = Token.None;
            for (var i = 0; i < text.Length; i++)
            {
                Token token;
                switch (text[i])
                {
                    case ' ':
                    case '\t':
                    case '\r':
                    case '\n':
                        continue;
                    case '{':
                    case '[':
                        token = Token.Open;
                        break;
                    case '}':
                    case ']':
                        token = Token.Close;
                        break;
                    case ',':
                        token = Token.Comma;
                        break;
                    case ':':
                        token = Token.Colon;
                        break;
                    case '"':
                        for (i++; i < text.Length && text[i] != '"'; i++)
                        {
                            if (text[i] == '\\')
                                i++;
                        }
                        token = Token.Value;
                        break;
                    default:
                        while (i + 1 < text.Length && "{}[],:\" \t\r\n".IndexOf(text[i + 1]) < 0)
                            i++;
                        token = Token.Value;
                        break;
                }
                if (depth == 0 && previous != Token.None)
                    return "the body is not UTF-8 JSON (text after the object)";
                var afterValue = previous == Token.Value || previous == Token.Close;
                if ((token == Token.Open || token == Token.Value) && afterValue)
                    return "the body is not UTF-8 JSON (a comma is missing between two values)";
                if ((token == Token.Comma && !afterValue) || (token == Token.Close && previous == Token.Comma))
                    return "the body is not UTF-8 JSON (a comma must stand between two values: no trailing comma)";
                if (token == Token.Open && ++depth > MaxDepth)
                    return "the body nests objects and arrays deeper than " + MaxDepth + " levels (the body " +
                           "itself is level 1); flatten it";
                if (token == Token.Close)
                    depth--;
                previous = token;
            }
            return null;
        }

        static JsonType TypeOf(string attribute)
        {
            switch (attribute)
            {
                case "number": return JsonType.Number;
                case "boolean": return JsonType.Boolean;
                case "null": return JsonType.Null;
                case "array": return JsonType.Array;
                case "object": return JsonType.Object;
                default: return JsonType.String;
            }
        }

        static void CheckText(string text, ulong seq)
        {
            if (LoneSurrogateAt(text) < 0)
                return;
            throw Refuse("the body holds the string " + Ascii(text, 40) + " with a lone UTF-16 surrogate (a " +
                         "\\uD800-\\uDFFF escape without its pair), which is not Unicode text; send the character " +
                         "itself or a complete surrogate pair", seq);
        }

        /// <summary>The start of a string, quoted, every character outside printable ASCII as a \u escape.</summary>
        static string Ascii(string text, int length)
        {
            var quoted = new StringBuilder("'");
            for (var i = 0; i < Math.Min(length, text.Length); i++)
            {
                var c = text[i];
                if (c < 0x20 || c > 0x7e)
                    quoted.Append("\\u").Append(((int)c).ToString("x4"));
                else
                    quoted.Append(c);
            }
            return quoted.Append('\'').ToString();
        }

        static ProtocolException Refuse(string reason, ulong seq)
        {
            return new ProtocolException(ErrorCode.BadBody, reason, seq);
        }
    }
}
