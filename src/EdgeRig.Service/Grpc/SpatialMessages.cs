using EdgeRig.Api.V1;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>The spatial section of a calibration profile and the rig file's spatial tolerances as API messages.</summary>
public static class SpatialMessages
{
    public static SpatialSection ToApi(SpatialCalibration spatial)
    {
        var section = new SpatialSection { ReferenceStream = spatial.ReferenceStream };
        section.Cameras.AddRange(spatial.Cameras.Select(ToApi));
        section.Frames.AddRange(spatial.Frames.Select(ToApi));
        return section;
    }

    public static CameraLensInfo ToApi(CameraLensCalibration c)
    {
        var k = c.Intrinsics;
        var info = new CameraLensInfo
        {
            Stream = c.Stream, DeviceId = c.DeviceId, Width = c.Width, Height = c.Height, Fx = k.Fx, Fy = k.Fy, Cx = k.Cx, Cy = k.Cy,
            K1 = k.K1, K2 = k.K2, P1 = k.P1, P2 = k.P2, K3 = k.K3, ReprojectionRmsPx = c.ReprojectionRmsPx, Views = c.Views,
        };
        info.StandardDeviations.AddRange(c.StandardDeviations);
        return info;
    }

    public static SensorFrameInfo ToApi(SensorFrameCalibration f)
    {
        var info = new SensorFrameInfo
        {
            Stream = f.Stream, DeviceId = f.DeviceId, FrameId = f.FrameId, Method = f.Method, Residual = f.Residual, ResidualUnit = f.ResidualUnit, Views = f.Views,
        };
        info.TranslationM.AddRange(f.RigFromSensor.TranslationM);
        info.RotationDeg.AddRange(f.RigFromSensor.RotationDeg);
        return info;
    }

    public static SpatialTolerances ToApi(SpatialCalibrationSettings s) => new()
    {
        MinViews = s.MinViews, MinLidarViews = s.MinLidarViews, MaxReprojectionRmsPx = s.MaxReprojectionRmsPx, MaxFocalSigmaPercent = s.MaxFocalSigmaPercent,
        MaxLidarPlaneRmsMm = s.MaxLidarPlaneRmsMm, MaxImuResidualRadPerS = s.MaxImuResidualRadPerS,
    };
}
