using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace StyleBridge.Transport
{
    /// <summary>A ZeroMQ failure; the message says what failed and what to do.</summary>
    public class ZmqException : Exception
    {
        public ZmqException(string message) : base(message)
        {
        }
    }

    /// <summary>Receives the parts of one multipart message, one at a time, straight from libzmq's buffer.</summary>
    internal interface IPartSink
    {
        void Part(int index, IntPtr data, int size);
    }

    /// <summary>A libzmq context: owns the library's I/O threads. Terminate it after closing its sockets.</summary>
    internal sealed class ZmqContext : IDisposable
    {
        IntPtr handle;

        public ZmqContext()
        {
            try
            {
                handle = LibZmq.zmq_ctx_new();
            }
            catch (DllNotFoundException exc)
            {
                throw new ZmqException(
                    "the native ZeroMQ library (" + LibZmq.Library + ") was not found: run `stylebridge unity setup " +
                    "--unity-project <this project>` on the machine with the Python server, which copies it into " +
                    "Assets/Plugins (" + exc.Message + ")");
            }
            if (handle == IntPtr.Zero)
                throw new ZmqException("zmq_ctx_new failed: " + LibZmq.LastError());
            LibZmq.zmq_ctx_set(handle, LibZmq.Blocky, 0); // terminating never waits for unsent messages
        }

        public IntPtr Handle
        {
            get { return handle; }
        }

        /// <summary>libzmq's version, e.g. "4.3.5", and whether it has CURVE.</summary>
        public static string Describe()
        {
            int major, minor, patch;
            LibZmq.zmq_version(out major, out minor, out patch);
            return major + "." + minor + "." + patch + (LibZmq.zmq_has("curve") == 1 ? " with CURVE" : " without CURVE");
        }

        public void Dispose()
        {
            if (handle == IntPtr.Zero)
                return;
            LibZmq.zmq_ctx_term(handle);
            handle = IntPtr.Zero;
        }
    }

    /// <summary>
    /// One libzmq socket. Not thread-safe (no ZeroMQ socket is): one thread uses it, or callers serialise access
    /// with a lock. Sends and receives never block: they report "not now" instead.
    /// </summary>
    internal sealed class ZmqSocket : IDisposable
    {
        IntPtr handle;
        IntPtr message; // one zmq_msg_t, reused for every received part

        public ZmqSocket(ZmqContext context, int type)
        {
            handle = LibZmq.zmq_socket(context.Handle, type);
            if (handle == IntPtr.Zero)
                throw new ZmqException("zmq_socket failed: " + LibZmq.LastError());
            message = Marshal.AllocHGlobal(LibZmq.MessageSize);
            SetOption(LibZmq.Linger, 0);
        }

        public IntPtr Handle
        {
            get { return handle; }
        }

        public void SetOption(int option, int value)
        {
            if (LibZmq.zmq_setsockopt(handle, option, ref value, (UIntPtr)sizeof(int)) != 0)
                throw new ZmqException("setting socket option " + option + " failed: " + LibZmq.LastError());
        }

        /// <summary>A CURVE key option from a 40-character Z85 key (libzmq takes it null-terminated).</summary>
        public void SetZ85Key(int option, string z85)
        {
            var bytes = Encoding.ASCII.GetBytes(z85 + "\0");
            if (LibZmq.zmq_setsockopt(handle, option, bytes, (UIntPtr)bytes.Length) != 0)
                throw new ZmqException("setting CURVE key option " + option + " failed (" + LibZmq.LastError() +
                                       "); is this libzmq built with CURVE? " + ZmqContext.Describe());
        }

        public void Connect(string endpoint)
        {
            if (LibZmq.zmq_connect(handle, endpoint) != 0)
                throw new ZmqException("cannot connect to " + endpoint + ": " + LibZmq.LastError() +
                                       " (endpoints look like tcp://127.0.0.1:5556)");
        }

        public void Bind(string endpoint)
        {
            if (LibZmq.zmq_bind(handle, endpoint) != 0)
                throw new ZmqException("cannot bind " + endpoint + ": " + LibZmq.LastError());
        }

        int Events
        {
            get
            {
                var value = 0;
                var length = (UIntPtr)sizeof(int);
                return LibZmq.zmq_getsockopt(handle, LibZmq.Events, ref value, ref length) == 0 ? value : 0;
            }
        }

        /// <summary>A whole message is waiting.</summary>
        public bool Readable
        {
            get { return (Events & LibZmq.PollIn) != 0; }
        }

        /// <summary>Send all parts, or nothing when the first would block (no connection, or the queue is full).</summary>
        public bool TrySend(IList<ArraySegment<byte>> parts)
        {
            for (var i = 0; i < parts.Count; i++)
            {
                var flags = LibZmq.DontWait | (i < parts.Count - 1 ? LibZmq.SndMore : 0);
                if (!SendPart(parts[i], flags))
                {
                    if (i == 0)
                        return false;
                    throw new ZmqException("a multipart message was cut after part " + i + ": " + LibZmq.LastError());
                }
            }
            return true;
        }

        bool SendPart(ArraySegment<byte> part, int flags)
        {
            var pin = GCHandle.Alloc(part.Array, GCHandleType.Pinned);
            try
            {
                var start = IntPtr.Add(pin.AddrOfPinnedObject(), part.Offset);
                return LibZmq.zmq_send(handle, start, (UIntPtr)part.Count, flags) >= 0;
            }
            finally
            {
                pin.Free();
            }
        }

        /// <summary>Hand every part of the next waiting message to <paramref name="sink"/>; false when none waits.</summary>
        public bool TryReceive(IPartSink sink)
        {
            if (!Readable)
                return false;
            for (var index = 0;; index++)
            {
                LibZmq.zmq_msg_init(message);
                try
                {
                    var size = LibZmq.zmq_msg_recv(message, handle, LibZmq.DontWait);
                    if (size < 0)
                    {
                        if (index == 0)
                            return false;
                        throw new ZmqException("a multipart message ended early: " + LibZmq.LastError());
                    }
                    sink.Part(index, LibZmq.zmq_msg_data(message), size);
                    if (LibZmq.zmq_msg_more(message) == 0)
                        return true;
                }
                finally
                {
                    LibZmq.zmq_msg_close(message);
                }
            }
        }

        public void Dispose()
        {
            if (handle != IntPtr.Zero)
            {
                LibZmq.zmq_close(handle);
                handle = IntPtr.Zero;
            }
            if (message != IntPtr.Zero)
            {
                Marshal.FreeHGlobal(message);
                message = IntPtr.Zero;
            }
        }
    }

    /// <summary>Waits for incoming messages on a few sockets at once (zmq_poll), on every desktop platform.</summary>
    internal sealed class ZmqPoller
    {
        static readonly bool Windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        readonly LibZmq.PollItemUnix[] unix;
        readonly LibZmq.PollItemWindows[] windows;

        public ZmqPoller(int count)
        {
            if (Windows)
                windows = new LibZmq.PollItemWindows[count];
            else
                unix = new LibZmq.PollItemUnix[count];
        }

        public void Set(int index, ZmqSocket socket)
        {
            if (Windows)
                windows[index] = new LibZmq.PollItemWindows { Socket = socket.Handle, Events = LibZmq.PollIn };
            else
                unix[index] = new LibZmq.PollItemUnix { Socket = socket.Handle, Events = LibZmq.PollIn };
        }

        /// <summary>Wait up to <paramref name="timeoutMs"/> for a message on any socket; true when one is readable.</summary>
        public bool Wait(int timeoutMs)
        {
            var count = Windows ? windows.Length : unix.Length;
            var ready = Windows
                ? LibZmq.zmq_poll_windows(windows, count, timeoutMs)
                : LibZmq.zmq_poll_unix(unix, count, timeoutMs);
            return ready > 0;
        }
    }
}
