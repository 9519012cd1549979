using EdgeRig.Core;

namespace EdgeRig.Devices.Lidar;

/// <summary>A finished revolution: its scan-v1 payload, the sensor stamp of its first point, and its point count.</summary>
public sealed record LidarRevolution(byte[] Payload, SensorTime Start, int Points);

/// <summary>
/// Cuts LD06/LD19 packets into revolutions: a revolution ends where the point angle wraps past 0°. Each packet's
/// 12 angles are interpolated between its start and end angle; each point's time is the packet's ms stamp
/// (unwrapped across the 30 000 ms roll-over) plus its angular distance from the start angle over the motor
/// speed. Points before the first wrap (a partial revolution) are dropped.
/// </summary>
public sealed class Ld06ScanAssembler
{
    private readonly LidarScanBuilder _scan = new();
    private bool _synced;
    private int _lastAngle = -1;
    private long _lastStampMs = -1;
    private long _unwrappedMs;
    private long _scanStartNs;

    public LidarRevolution? Add(Ld06Packet packet)
    {
        _unwrappedMs += _lastStampMs < 0 ? packet.TimestampMs : (packet.TimestampMs - _lastStampMs + Ld06Packet.TimestampModulus) % Ld06Packet.TimestampModulus;
        _lastStampMs = packet.TimestampMs;
        int span = (packet.EndAngleCentiDeg - packet.StartAngleCentiDeg + 36000) % 36000;
        double step = span / (double)(Ld06Packet.PointsPerPacket - 1);
        double nsPerCentiDeg = packet.SpeedDegPerSecond > 0 ? 1e7 / packet.SpeedDegPerSecond : 0;
        LidarRevolution? finished = null;
        for (int i = 0; i < Ld06Packet.PointsPerPacket; i++)
        {
            int angle = (int)Math.Round(packet.StartAngleCentiDeg + step * i) % 36000;
            long timeNs = _unwrappedMs * 1_000_000 + (long)(step * i * nsPerCentiDeg);
            if (_lastAngle >= 0 && angle < _lastAngle)
            {
                if (_synced && _scan.Count > 0)
                    finished = new LidarRevolution(_scan.Encode(), new SensorTime(_scanStartNs / 1_000_000 % Ld06Packet.TimestampModulus), _scan.Count);
                _scan.Clear();
                _synced = true;
                _scanStartNs = timeNs;
            }
            _lastAngle = angle;
            if (!_synced) continue;
            _scan.Add(new LidarPoint((float)(angle * Math.PI / 18000), packet.DistancesMm[i] / 1000f, packet.Intensities[i], (uint)Math.Max(0, timeNs - _scanStartNs)));
        }
        return finished;
    }
}
