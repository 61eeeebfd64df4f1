using System.Net.Http.Headers;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests.Loras;

/// <summary>Multipart helpers for the LoRA tests.</summary>
internal static class LoraForms
{
    public static MultipartFormDataContent WithFile(this MultipartFormDataContent form, byte[] content, string fileName)
    {
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        return form;
    }

    public static string CreateAdminKey(this TestServer server) => server.Accounts.CreateKey("admin", 0, null, admin: true).Key;
}
