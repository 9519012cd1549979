using EdgeRig.Core;
using EdgeRig.Recording;

namespace EdgeRig.Service.Dashboard;

/// <summary>
/// Live previews for the dashboard: GET /api/preview (audio levels, LIDAR points, IMU values of every stream in one
/// reply) and GET /api/preview/camera/{stream}?width=320 (a JPEG thumbnail). Any role that may read status.
/// </summary>
public static class PreviewApi
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/preview", (RecordingPipeline pipeline, PreviewRenderer previews) =>
        {
            var streams = pipeline.Streams;
            return Results.Json(new
            {
                cameras = streams.Where(s => s.Modality == Modality.Camera).Select(s => s.Id.Value).ToList(),
                audio = streams.Where(s => s.Modality == Modality.Audio).Select(previews.Audio).OfType<AudioLevel>().ToList(),
                lidar = streams.Where(s => s.Modality == Modality.Lidar).Select(s => previews.Lidar(s)).OfType<LidarPoints>().ToList(),
                imu = streams.Where(s => s.Modality == Modality.Imu).Select(previews.Imu).OfType<ImuValues>().ToList(),
            });
        }).RequireToken("/edgerig.v1.Rig/GetStatus");

        app.MapGet("/api/preview/camera/{stream}", (string stream, int? width, RecordingPipeline pipeline, PreviewRenderer previews) =>
        {
            var camera = pipeline.Streams.FirstOrDefault(s => s.Modality == Modality.Camera && s.Id.Value == stream);
            if (camera is null) return Results.Json(new { error = $"no camera stream '{stream}'" }, statusCode: StatusCodes.Status404NotFound);
            var jpeg = previews.CameraThumbnail(camera, Math.Clamp(width ?? 320, 64, 640));
            return jpeg is null ? Results.StatusCode(StatusCodes.Status204NoContent) : Results.File(jpeg, "image/jpeg");
        }).RequireToken("/edgerig.v1.Rig/GetStatus");
    }
}
