namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>A fact that needs Python 3 with <c>requests</c> (Debian python3-requests, installed by scripts/prerequisites.sh).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PythonRequestsFactAttribute : FactAttribute
{
    public PythonRequestsFactAttribute()
    {
        if (ExternalTools.Python is null)
        {
            Skip = "python3 with the requests module is not installed (Debian: apt-get install python3-requests).";
        }
    }
}
