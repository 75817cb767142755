using System;
using System.Collections.Concurrent;
using System.IO;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;

namespace StyleBridge.Protocol
{
    /// <summary>
    /// JSON bodies through the BCL's DataContractJsonSerializer and the typed classes in Bodies.cs (no hand-written
    /// parser). Dictionaries are JSON objects (UseSimpleDictionaryFormat); unknown keys are ignored on read.
    /// </summary>
    public static class Json
    {
        public const int MaxBodyBytes = 64 * 1024;

        static readonly DataContractJsonSerializerSettings Settings = new DataContractJsonSerializerSettings
        {
            UseSimpleDictionaryFormat = true,
        };

        static readonly ConcurrentDictionary<Type, DataContractJsonSerializer> Serializers =
            new ConcurrentDictionary<Type, DataContractJsonSerializer>();

        static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        static DataContractJsonSerializer SerializerFor(Type type)
        {
            return Serializers.GetOrAdd(type, t => new DataContractJsonSerializer(t, Settings));
        }

        public static byte[] Serialize<T>(T value)
        {
            return Serialize(typeof(T), value);
        }

        public static byte[] Serialize(Type type, object value)
        {
            using (var stream = new MemoryStream())
            {
                SerializerFor(type).WriteObject(stream, value);
                return stream.ToArray();
            }
        }

        public static T Deserialize<T>(byte[] data) where T : class
        {
            return Deserialize<T>(new ArraySegment<byte>(data));
        }

        public static T Deserialize<T>(ArraySegment<byte> data, ulong seq = 0) where T : class
        {
            return (T)Deserialize(typeof(T), data, seq);
        }

        /// <summary>Read a body into <paramref name="type"/>; BAD_BODY when it is not a UTF-8 JSON object of that shape.</summary>
        public static object Deserialize(Type type, ArraySegment<byte> data, ulong seq = 0)
        {
            CheckObject(data, seq);
            try
            {
                using (var stream = new MemoryStream(data.Array, data.Offset, data.Count, false))
                {
                    var value = SerializerFor(type).ReadObject(stream);
                    if (value == null || !type.IsInstanceOfType(value))
                        throw new ProtocolException(ErrorCode.BadBody, "the body is not a JSON object", seq);
                    return value;
                }
            }
            catch (ProtocolException)
            {
                throw;
            }
            catch (Exception exc) // SerializationException, or a wrong value type wrapped in TargetInvocationException
            {
                throw new ProtocolException(ErrorCode.BadBody,
                    "the body does not fit " + type.Name + " (" + Innermost(exc).Message + ")", seq);
            }
        }

        /// <summary>The body limits the protocol sets before any parsing: size, UTF-8, and an object ('{' first).</summary>
        public static void CheckObject(ArraySegment<byte> data, ulong seq = 0)
        {
            if (data.Count > MaxBodyBytes)
                throw new ProtocolException(ErrorCode.BadBody,
                    "the JSON body is " + data.Count + " bytes; the limit is " + MaxBodyBytes, seq);
            string text;
            try
            {
                text = StrictUtf8.GetString(data.Array, data.Offset, data.Count);
            }
            catch (ArgumentException)
            {
                throw new ProtocolException(ErrorCode.BadBody, "the body is not UTF-8", seq);
            }
            var trimmed = text.TrimStart(' ', '\t', '\r', '\n');
            if (trimmed.Length == 0 || trimmed[0] != '{')
                throw new ProtocolException(ErrorCode.BadBody, "the body must be a JSON object", seq);
        }

        static Exception Innermost(Exception exc)
        {
            while (exc.InnerException != null)
                exc = exc.InnerException;
            return exc;
        }
    }
}
