using System;
using System.Runtime.InteropServices;

namespace StyleBridge.Transport
{
    /// <summary>
    /// The libzmq C API members this package calls (P/Invoke). The native library is the one inside the pyzmq wheel
    /// of the machine running the Python server (libzmq with libsodium, so CURVE works); `stylebridge unity setup`
    /// copies it into the Unity project's Plugins folder under the name <see cref="Library"/> loads
    /// (libzmq.so, libzmq.dylib, libzmq.dll).
    /// </summary>
    internal static class LibZmq
    {
        public const string Library = "libzmq";

        // socket types
        public const int Pair = 0;
        public const int Dealer = 5;

        // socket options (zmq.h)
        public const int Events = 15;
        public const int Linger = 17;
        public const int ReconnectIvl = 18;
        public const int ReconnectIvlMax = 21;
        public const int SndHwm = 23;
        public const int RcvHwm = 24;
        public const int Immediate = 39;
        public const int CurvePublicKey = 48;
        public const int CurveSecretKey = 49;
        public const int CurveServerKey = 50;

        // context options
        public const int Blocky = 70;

        // flags and poll events
        public const int DontWait = 1;
        public const int SndMore = 2;
        public const short PollIn = 1;

        public const int MessageSize = 64; // sizeof(zmq_msg_t)

        /// <summary>zmq_pollitem_t where the fd member is an int (Linux, macOS).</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct PollItemUnix
        {
            public IntPtr Socket;
            public int Fd;
            public short Events;
            public short Revents;
        }

        /// <summary>zmq_pollitem_t on Windows, where the fd member is a SOCKET (pointer-sized).</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct PollItemWindows
        {
            public IntPtr Socket;
            public IntPtr Fd;
            public short Events;
            public short Revents;
        }

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void zmq_version(out int major, out int minor, out int patch);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_has([MarshalAs(UnmanagedType.LPStr)] string capability);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_errno();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr zmq_strerror(int errnum);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr zmq_ctx_new();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_ctx_set(IntPtr context, int option, int value);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_ctx_term(IntPtr context);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr zmq_socket(IntPtr context, int type);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_close(IntPtr socket);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_setsockopt(IntPtr socket, int option, ref int value, UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_setsockopt(IntPtr socket, int option, byte[] value, UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_getsockopt(IntPtr socket, int option, ref int value, ref UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_connect(IntPtr socket, [MarshalAs(UnmanagedType.LPStr)] string endpoint);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_bind(IntPtr socket, [MarshalAs(UnmanagedType.LPStr)] string endpoint);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_send(IntPtr socket, IntPtr buffer, UIntPtr length, int flags);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_msg_init(IntPtr message);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_msg_recv(IntPtr message, IntPtr socket, int flags);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr zmq_msg_data(IntPtr message);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern UIntPtr zmq_msg_size(IntPtr message);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_msg_more(IntPtr message);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int zmq_msg_close(IntPtr message);

        // timeout is a C long: 64-bit on Linux and macOS; on 64-bit Windows (32-bit long) the value travels in a
        // register whose low half the callee reads, so small timeouts are passed correctly on every desktop platform.
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, EntryPoint = "zmq_poll")]
        public static extern int zmq_poll_unix([In, Out] PollItemUnix[] items, int count, long timeout);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, EntryPoint = "zmq_poll")]
        public static extern int zmq_poll_windows([In, Out] PollItemWindows[] items, int count, long timeout);

        public static string LastError()
        {
            var errno = zmq_errno();
            return Marshal.PtrToStringAnsi(zmq_strerror(errno)) + " (errno " + errno + ")";
        }
    }
}
