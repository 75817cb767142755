using System;
using System.Diagnostics;

namespace StyleBridge.Client
{
    /// <summary>The header's client clock: monotonic microseconds (Stopwatch), never wall time.</summary>
    public static class MonotonicClock
    {
        public static ulong NowUs()
        {
            var ticks = Stopwatch.GetTimestamp();
            var frequency = Stopwatch.Frequency;
            // split so ticks * 1e6 cannot overflow on machines with nanosecond ticks
            return (ulong)(ticks / frequency * 1000000L + ticks % frequency * 1000000L / frequency);
        }

        public static double NowSeconds()
        {
            return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        }
    }

    /// <summary>A snapshot of what a BridgeClient has done: counts, round trips and results per second.</summary>
    public struct ClientStats
    {
        public long FramesSent;
        public long Results;
        public long Dropped;
        public long Errors;
        public long TimedOut;
        public long Skipped; // frames replaced by a newer one before they could be sent (newest frame wins)
        public long Sessions; // handshakes completed (more than one: the session was renewed)
        public double RoundTripP50Ms;
        public double RoundTripP99Ms;
        public double Fps; // RESULTs per second over the last 5 s (over the client's life while it is younger)

        public override string ToString()
        {
            return string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "{0} sent, {1} results, {2} dropped, {3} errors, {4} timed out, {5} skipped; round trip p50 {6:F2} ms, " +
                "p99 {7:F2} ms; {8:F1} fps", FramesSent, Results, Dropped, Errors, TimedOut, Skipped, RoundTripP50Ms,
                RoundTripP99Ms, Fps);
        }
    }

    /// <summary>
    /// Round trips of the last <c>capacity</c> RESULTs and their arrival times (fixed arrays, no allocation). The rate
    /// follows the server's rule for CONTROL stats: RESULTs counted over the last 5 s, or over the client's life while
    /// it is younger; never estimated from the gaps between a few results (that read 0 after a single result, and
    /// too low with a model slower than one frame per window).
    /// </summary>
    internal sealed class RoundTripWindow
    {
        public const double FpsWindowSeconds = 5.0;
        readonly double started;
        readonly double[] roundTripsMs;
        readonly double[] arrivals;
        int next;
        int count;

        /// <param name="started">when the client started (seconds, the clock Add and Fill are given)</param>
        /// <param name="capacity">results kept</param>
        public RoundTripWindow(double started, int capacity = 256)
        {
            this.started = started;
            roundTripsMs = new double[capacity];
            arrivals = new double[capacity];
        }

        public void Add(double roundTripMs, double arrivedAt)
        {
            roundTripsMs[next] = roundTripMs;
            arrivals[next] = arrivedAt;
            next = (next + 1) % roundTripsMs.Length;
            count = Math.Min(count + 1, roundTripsMs.Length);
        }

        public void Fill(ref ClientStats stats, double now)
        {
            stats.Fps = ResultsPerSecond(now);
            if (count == 0)
                return;
            var sorted = new double[count];
            Array.Copy(roundTripsMs, sorted, count);
            Array.Sort(sorted);
            stats.RoundTripP50Ms = Percentile(sorted, 0.50);
            stats.RoundTripP99Ms = Percentile(sorted, 0.99);
        }

        double ResultsPerSecond(double now)
        {
            var recent = 0;
            var oldest = now;
            for (var i = 0; i < count; i++)
            {
                if (now - arrivals[i] > FpsWindowSeconds)
                    continue;
                recent++;
                oldest = Math.Min(oldest, arrivals[i]);
            }
            var span = Math.Min(FpsWindowSeconds, now - started);
            if (recent == arrivals.Length) // more results came in the window than are kept: count over those kept
                span = now - oldest;
            return span > 0 ? recent / span : 0.0;
        }

        /// <summary>Linear interpolation between closest ranks (numpy's default percentile).</summary>
        static double Percentile(double[] sorted, double q)
        {
            var position = q * (sorted.Length - 1);
            var low = (int)Math.Floor(position);
            var high = Math.Min(low + 1, sorted.Length - 1);
            return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
        }
    }
}
