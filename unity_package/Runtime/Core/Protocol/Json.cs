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
    /// parser), after JsonBody's checks. Dictionaries are JSON objects (UseSimpleDictionaryFormat); unknown keys are
    /// ignored on read.
    /// </summary>
    public static class Json
    {
        static readonly DataContractJsonSerializerSettings Settings = new DataContractJsonSerializerSettings
        {
            UseSimpleDictionaryFormat = true,
        };

        static readonly ConcurrentDictionary<Type, DataContractJsonSerializer> Serializers =
            new ConcurrentDictionary<Type, DataContractJsonSerializer>();

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

        /// <summary>A JSON file (a sidecar, a deployment manifest) read into <typeparamref name="T"/>; BAD_BODY when it is not one.</summary>
        public static T Deserialize<T>(byte[] data) where T : class
        {
            var json = new ArraySegment<byte>(data);
            JsonBody.Parse(json);
            return (T)Read(typeof(T), json, 0);
        }

        /// <summary>
        /// A message body read into <paramref name="type"/> (unknown keys ignored): BAD_BODY when the body breaks
        /// PROTOCOL.md's body rules (JsonBody.Read) or does not fit the type. The typed read converts leniently (a
        /// number where a string goes is read as its text); the request bodies' field rules are RequestBodies'.
        /// </summary>
        public static object Deserialize(Type type, ArraySegment<byte> data, ulong seq = 0)
        {
            JsonBody.Read(data, seq);
            return Read(type, data, seq);
        }

        static object Read(Type type, ArraySegment<byte> data, ulong seq)
        {
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

        static Exception Innermost(Exception exc)
        {
            while (exc.InnerException != null)
                exc = exc.InnerException;
            return exc;
        }
    }
}
