using Microsoft.AspNetCore.Http;

namespace FluxServe.Server.Http;

/// <summary>JSON error answers (API.md "Status codes": <c>{"error": "..."}</c>).</summary>
internal static class ApiErrors
{
    public static IResult Error(int status, string message) =>
        Results.Json(new ErrorResponse(message), ServerJsonContext.Default.ErrorResponse, statusCode: status);

    public static IResult NotFound(string message) => Error(StatusCodes.Status404NotFound, message);

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, message);
}
