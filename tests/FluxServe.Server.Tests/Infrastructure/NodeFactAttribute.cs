namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>A fact that needs node and npm (to install axios into a temporary folder outside the repository).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (!ExternalTools.HasNode)
        {
            Skip = "node and npm are not installed (Debian: apt-get install nodejs npm); the axios example needs them.";
        }
    }
}
