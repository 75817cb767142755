using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StyleBridge.Protocol;
using StyleBridge.Transport;

namespace StyleBridge.Client
{
    /// <summary>
    /// The bridge client (the C# twin of bridge/client.py). One I/O thread owns the DEALER socket for the client's
    /// whole life; the game's thread only hands frames over and picks results up, and never waits on the network:
    ///
    /// * <see cref="Submit"/> keeps the newest frame; the I/O thread sends it when a credit is free (at most the
    ///   granted frames in flight) and a connection is up; an older unsent frame is replaced (newest frame wins);
    /// * <see cref="TryTakeResult"/> returns the newest RESULT not yet taken (older ones are released);
    /// * COMPARE, CAPTURE, CONTROL and PING are Tasks completed from the I/O thread;
    /// * a server that forgot this client (it restarted) answers NOT_READY: the session is renewed with a new HELLO
    ///   and requests are sent again; frames unanswered after the timeout give their credit back;
    /// * <see cref="Dispose"/> stops the thread, closes the sockets and terminates the ZeroMQ context within 100 ms
    ///   in every state, so a second Play in the editor never finds a socket or thread left over.
    /// </summary>
    public sealed partial class BridgeClient : IDisposable
    {
        const int MaxWaitMs = 100;
        const int RetryWaitMs = 5;
        const double DisposeBudgetSeconds = 0.09;
        static int instances;

        readonly BridgeClientOptions options;
        readonly FramePool pool = new FramePool();
        readonly object gate = new object();
        readonly object wakeGate = new object();
        readonly ManualResetEventSlim connected = new ManualResetEventSlim(false);
        readonly ManualResetEventSlim resultReady = new ManualResetEventSlim(false);
        readonly Thread thread;
        readonly ZmqContext context;
        readonly ZmqSocket dealer;
        readonly ZmqSocket wakeReceiver;
        ZmqSocket wakeSender; // used by any thread under wakeGate; closed by the I/O thread on exit
        volatile bool stopping;

        // shared with the game's thread (under gate)
        FrameBuffer pendingFrame;
        FrameBuffer latestResult;
        readonly Queue<PendingRequest> toSend = new Queue<PendingRequest>();
        ConnectionState state = ConnectionState.Connecting;
        string status = "connecting";
        HelloAckBody server;
        int grantedInFlight;
        int framesInFlight;
        ClientStats counts;
        readonly RoundTripWindow window = new RoundTripWindow(MonotonicClock.NowSeconds());

        // the I/O thread's own
        readonly Dictionary<ulong, InFlightFrame> inFlight = new Dictionary<ulong, InFlightFrame>();
        readonly Dictionary<ulong, PendingRequest> outstanding = new Dictionary<ulong, PendingRequest>();
        readonly List<ulong> expired = new List<ulong>();
        readonly List<ArraySegment<byte>> sendParts = new List<ArraySegment<byte>>(3);
        readonly byte[] frameHeader = new byte[Header.Size];
        readonly ReplyReader reader;
        readonly byte[] helloBody;
        ulong nextSeq;
        ulong helloSeq;
        double helloSentAt = double.NegativeInfinity;
        double connectingSince = MonotonicClock.NowSeconds(); // since when no session
        double nextHelloAt;
        double helloBackoff = 0.1;
        double nextRenewalAt;
        ulong lastDeliveredSeq;
        double lastReceivedAt;
        ulong pingSeq;
        double pingSentAt;

        struct InFlightFrame
        {
            public double SentAt;
            public long FrameIndex;
        }

        public BridgeClient(BridgeClientOptions options)
        {
            if (options == null)
                throw new ArgumentNullException("options");
            if (options.MaxInFlight < 1)
                throw new ArgumentException("MaxInFlight must be at least 1");
            this.options = options;
            helloBody = Json.Serialize(new HelloBody
            {
                Client = options.Name,
                Caps = new List<string>(Compat.ClientCapabilities),
                MaxInFlight = options.MaxInFlight,
            });
            CheckRequest(new Message(Header.Create(MessageType.Hello), null, helloBody), "options.Name");
            reader = new ReplyReader(pool);
            context = new ZmqContext();
            try
            {
                dealer = new ZmqSocket(context, LibZmq.Dealer);
                foreach (var option in new[]
                         {
                             new[] { LibZmq.Immediate, 1 }, new[] { LibZmq.SndHwm, 4 }, new[] { LibZmq.RcvHwm, 16 },
                             new[] { LibZmq.ReconnectIvl, 100 }, new[] { LibZmq.ReconnectIvlMax, 1000 },
                         })
                    dealer.SetOption(option[0], option[1]);
                if (options.Curve != null)
                {
                    dealer.SetZ85Key(LibZmq.CurveServerKey, options.Curve.ServerPublicKey);
                    dealer.SetZ85Key(LibZmq.CurvePublicKey, options.Curve.ClientPublicKey);
                    dealer.SetZ85Key(LibZmq.CurveSecretKey, options.Curve.ClientSecretKey);
                }
                dealer.Connect(options.Endpoint);
                var wake = "inproc://stylebridge-wake-" + Interlocked.Increment(ref instances);
                wakeReceiver = new ZmqSocket(context, LibZmq.Pair);
                wakeReceiver.Bind(wake);
                wakeSender = new ZmqSocket(context, LibZmq.Pair);
                wakeSender.SetOption(LibZmq.SndHwm, 1);
                wakeSender.Connect(wake);
            }
            catch
            {
                CloseSockets();
                context.Dispose();
                throw;
            }
            thread = new Thread(Run) { IsBackground = true, Name = "stylebridge-bridge-client" };
            thread.Start();
        }

        public BridgeClientOptions Options
        {
            get { return options; }
        }

        /// <summary>Rent frames here, fill them, and Submit them; Release the results you took.</summary>
        public FramePool Pool
        {
            get { return pool; }
        }

        public ConnectionState State
        {
            get { lock (gate) return state; }
        }

        /// <summary>What the client is doing or what went wrong last, for people (status lines, inspectors).</summary>
        public string Status
        {
            get { lock (gate) return status; }
        }

        /// <summary>The server's latest HELLO_ACK (model, contract, caps, limits); null before the first session.</summary>
        public HelloAckBody Server
        {
            get { lock (gate) return server; }
        }

        /// <summary>Frames sent and not yet answered.</summary>
        public int FramesInFlight
        {
            get { lock (gate) return framesInFlight; }
        }

        public int GrantedInFlight
        {
            get { lock (gate) return grantedInFlight; }
        }

        /// <summary>Whether the I/O thread still runs (false once disposed: nothing is left behind).</summary>
        public bool IsRunning
        {
            get { return thread.IsAlive; }
        }

        public ClientStats Stats
        {
            get
            {
                lock (gate)
                {
                    var snapshot = counts;
                    window.Fill(ref snapshot, MonotonicClock.NowSeconds());
                    return snapshot;
                }
            }
        }

        /// <summary>Block until a session is up (tests and tools; a game polls <see cref="State"/> instead).</summary>
        public bool WaitForConnection(TimeSpan timeout)
        {
            return connected.Wait(timeout);
        }

        // -- frames ------------------------------------------------------------------------------------------------

        /// <summary>
        /// Hand a frame over (it belongs to the client from now on). Never blocks: it becomes the one frame waiting
        /// to be sent, replacing (and releasing) an older one. False when the bridge is disabled or disposed.
        /// </summary>
        public bool Submit(FrameBuffer frame)
        {
            FrameBuffer replaced;
            lock (gate)
            {
                if (state == ConnectionState.Disabled || state == ConnectionState.Disposed)
                {
                    pool.Return(frame);
                    return false;
                }
                replaced = pendingFrame;
                pendingFrame = frame;
                if (replaced != null)
                    counts.Skipped++;
            }
            pool.Return(replaced);
            Wake();
            return true;
        }

        /// <summary>Copy and submit tightly packed pixels (a convenience over Pool.Copy + Submit).</summary>
        public bool Submit(ArraySegment<byte> pixels, int width, int height, PixelFormat format, RowOrder rows,
            ColorEncoding encoding, long frameIndex = 0)
        {
            var frame = pool.Copy(pixels, width, height, format, rows, encoding);
            frame.FrameIndex = frameIndex;
            return Submit(frame);
        }

        /// <summary>The newest RESULT not taken yet (in its FRAME's layout); give it back with <see cref="Release"/>.</summary>
        public bool TryTakeResult(out FrameBuffer result)
        {
            lock (gate)
            {
                result = latestResult;
                latestResult = null;
                resultReady.Reset();
            }
            return result != null;
        }

        /// <summary>Block until a RESULT waits to be taken (tools and tests; a game polls TryTakeResult instead).</summary>
        public bool WaitForResult(TimeSpan timeout)
        {
            return resultReady.Wait(timeout);
        }

        public void Release(FrameBuffer frame)
        {
            pool.Return(frame);
        }

        // -- requests ----------------------------------------------------------------------------------------------

        /// <summary>
        /// Metrics between the server model's output for <paramref name="source"/> and the engine's output; with
        /// <paramref name="diagnose"/> (a server whose HELLO_ACK lists "diagnosis") also why they differ and the fix
        /// (<see cref="CompareResultBody.Diagnosis"/>), which takes seconds on a server without a GPU.
        /// </summary>
        public Task<CompareResultBody> CompareAsync(ArraySegment<byte> source, ArraySegment<byte> engineOutput,
            int width, int height, PixelFormat format, RowOrder rows, ColorEncoding encoding, bool saveVisual = false,
            bool diagnose = false)
        {
            var header = ImageHeader(MessageType.Compare, width, height, format, rows, encoding);
            header.Flags = (byte)((saveVisual ? Header.FlagSaveVisual : 0) | (diagnose ? Header.FlagDiagnose : 0));
            var images = new[] { Copy(source), Copy(engineOutput) };
            CheckRequest(new Message(header, images), "the images");
            return Enqueue(new PendingRequest<CompareResultBody>(header, images, null, MessageType.CompareResult,
                reply => reply.BodyAs<CompareResultBody>(), options.Timeout));
        }

        /// <summary>Save a frame into the server's dataset; completes once the PNG is on disk.</summary>
        public Task<CaptureAckBody> CaptureAsync(ArraySegment<byte> pixels, int width, int height, PixelFormat format,
            RowOrder rows, ColorEncoding encoding, string source = null, long? frameIndex = null)
        {
            var header = ImageHeader(MessageType.Capture, width, height, format, rows, encoding);
            var body = Json.Serialize(new CaptureBody { Source = source, FrameIndex = frameIndex });
            var images = new[] { Copy(pixels) };
            CheckRequest(new Message(header, images, body), "the capture");
            return Enqueue(new PendingRequest<CaptureAckBody>(header, images, body,
                MessageType.CaptureAck, reply => reply.BodyAs<CaptureAckBody>(), options.Timeout)
            {
                TimeoutAdvice = "; the frame may or may not have been saved: check the capture manifest",
            });
        }

        public Task<StatsReply> StatsAsync()
        {
            return Control<StatsReply>(new ControlBody { Op = ControlBody.Stats }, options.Timeout);
        }

        public Task<ListModelsReply> ListModelsAsync()
        {
            return Control<ListModelsReply>(new ControlBody { Op = ControlBody.ListModels }, options.Timeout);
        }

        /// <summary>Switch the server to a model file in its model folder; completes once it loaded and ran a probe.</summary>
        public Task<LoadModelReply> LoadModelAsync(string model, double timeoutSeconds = 30.0)
        {
            return Control<LoadModelReply>(new ControlBody { Op = ControlBody.LoadModel, Model = model },
                Math.Max(timeoutSeconds, options.Timeout));
        }

        /// <summary>Round trip of a PING in seconds.</summary>
        public Task<double> PingAsync()
        {
            var start = MonotonicClock.NowSeconds();
            return Enqueue(new PendingRequest<double>(Header.Create(MessageType.Ping), new ArraySegment<byte>[0], null,
                MessageType.Pong, reply => MonotonicClock.NowSeconds() - start, options.Timeout));
        }

        Task<T> Control<T>(ControlBody body, double timeout) where T : class
        {
            var header = Header.Create(MessageType.Control);
            var json = Json.Serialize(body);
            CheckRequest(new Message(header, null, json), "the CONTROL request");
            return Enqueue(new PendingRequest<T>(header, new ArraySegment<byte>[0], json, MessageType.ControlReply,
                reply => reply.BodyAs<T>(), timeout));
        }

        /// <summary>
        /// A request about to be sent, checked by the rules the server applies (the codec's, then RequestBodies'), so
        /// a bad argument (a lone UTF-16 surrogate in a string, a source over 200 characters, an image of the wrong
        /// length) fails here with ArgumentException, saying why, instead of as an ERROR from the server later.
        /// </summary>
        static void CheckRequest(Message request, string what)
        {
            try
            {
                RequestBodies.Read(Codec.Decode(Codec.Encode(request), long.MaxValue));
            }
            catch (ProtocolException exc)
            {
                throw new ArgumentException(what + " would be refused by the server (" + exc.Message + ")");
            }
        }

        static Header ImageHeader(MessageType type, int width, int height, PixelFormat format, RowOrder rows,
            ColorEncoding encoding)
        {
            var header = Header.Create(type);
            header.Width = (uint)width;
            header.Height = (uint)height;
            header.PixelFormat = format;
            header.RowOrder = rows;
            header.ColorEncoding = encoding;
            return header;
        }

        static ArraySegment<byte> Copy(ArraySegment<byte> data)
        {
            var copy = new byte[data.Count];
            Buffer.BlockCopy(data.Array, data.Offset, copy, 0, data.Count);
            return new ArraySegment<byte>(copy);
        }

        Task<T> Enqueue<T>(PendingRequest<T> request)
        {
            lock (gate)
            {
                if (state == ConnectionState.Disabled || state == ConnectionState.Disposed)
                    request.Fail(new BridgeException("the bridge client is " + state.ToString().ToLowerInvariant() +
                                                     ": " + status));
                else
                    toSend.Enqueue(request);
            }
            Wake();
            return request.Task;
        }

        // -- lifecycle ---------------------------------------------------------------------------------------------

        /// <summary>Stop the I/O thread and release every socket and the context; returns within 100 ms.</summary>
        public void Dispose()
        {
            if (stopping)
                return;
            stopping = true;
            Wake();
            if (!thread.Join(TimeSpan.FromSeconds(DisposeBudgetSeconds)))
                Log(BridgeLogLevel.Warning, "the bridge client's I/O thread did not stop in time; it ends on its own");
            connected.Reset();
        }

        void Wake()
        {
            lock (wakeGate)
            {
                if (wakeSender != null)
                    wakeSender.TrySend(EmptyMessage);
            }
        }

        static readonly ArraySegment<byte>[] EmptyMessage = { new ArraySegment<byte>(new byte[0]) };

        void Run()
        {
            try
            {
                var poller = new ZmqPoller(2);
                poller.Set(0, dealer);
                poller.Set(1, wakeReceiver);
                var idle = new Drain();
                while (!stopping)
                {
                    poller.Wait(WaitMs());
                    while (wakeReceiver.TryReceive(idle))
                    {
                    }
                    if (stopping)
                        break;
                    while (dealer.TryReceive(reader))
                        Handle();
                    var now = MonotonicClock.NowSeconds();
                    CheckHandshake(now);
                    ReclaimExpiredFrames(now);
                    ExpireRequests(now);
                    CheckLiveness(now);
                    if (IsSession)
                    {
                        SendRequests(now);
                        SendPendingFrame(now);
                    }
                }
            }
            catch (Exception exc)
            {
                Disable("the bridge client failed: " + exc.Message);
                Log(BridgeLogLevel.Error, exc.ToString());
            }
            finally
            {
                Shutdown();
            }
        }

        bool IsSession
        {
            get
            {
                lock (gate) return state == ConnectionState.Connected || state == ConnectionState.ServerUnreachable;
            }
        }

        int WaitMs()
        {
            lock (gate)
            {
                if (state == ConnectionState.Disabled)
                    return MaxWaitMs;
                // something waits for a connection (IMMEDIATE refuses sends until one is up): retry soon
                if (state == ConnectionState.Connecting && helloSentAt < 0)
                    return RetryWaitMs;
                if ((pendingFrame != null && framesInFlight < grantedInFlight) || toSend.Count > 0)
                    return RetryWaitMs;
            }
            return MaxWaitMs;
        }

        void Shutdown()
        {
            FrameBuffer frame, result;
            List<PendingRequest> unanswered;
            lock (gate)
            {
                state = ConnectionState.Disposed;
                status = "disposed";
                frame = pendingFrame;
                result = latestResult;
                pendingFrame = latestResult = null;
                resultReady.Reset();
                unanswered = new List<PendingRequest>(toSend);
                toSend.Clear();
            }
            unanswered.AddRange(outstanding.Values);
            outstanding.Clear();
            foreach (var request in unanswered)
                request.Fail(new ObjectDisposedException("BridgeClient", "the bridge client was disposed"));
            pool.Return(frame);
            pool.Return(result);
            CloseSockets();
            context.Dispose();
        }

        void CloseSockets()
        {
            lock (wakeGate)
            {
                if (wakeSender != null)
                    wakeSender.Dispose();
                wakeSender = null;
            }
            if (wakeReceiver != null)
                wakeReceiver.Dispose();
            if (dealer != null)
                dealer.Dispose();
        }
    }
}
