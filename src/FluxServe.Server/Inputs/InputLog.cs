using Microsoft.Extensions.Logging;

namespace FluxServe.Server.Inputs;

/// <summary>Log messages of input image reading. Messages are the client-facing sentences, which carry no credentials or data.</summary>
internal static partial class InputLog
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Input image refused ({Reason}): {Sentence}")]
    public static partial void Refused(ILogger logger, string reason, string sentence);
}
