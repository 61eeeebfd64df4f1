namespace FluxServe.Server.Storage;

/// <summary>The folder of result images (<c>{data}/outputs</c>); file names are unguessable tokens.</summary>
public sealed class ResultFiles(ServerDatabase database)
    : TokenFileFolder((database ?? throw new ArgumentNullException(nameof(database))).OutputsFolder);
