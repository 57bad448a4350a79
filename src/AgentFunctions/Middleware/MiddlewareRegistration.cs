using AgentFunctions.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AgentFunctions.Middleware;

internal static class MiddlewareRegistration
{
    /// <summary>What the middleware needs: the function catalog (attributes read once) and the admin guard; and the streaming settings of the HTTP layer.</summary>
    public static IServiceCollection AddMiddleware(this IServiceCollection services)
    {
        services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<FunctionCatalog>();
        services.TryAddSingleton<AdminGuard>();
        return services;
    }

    /// <summary>
    /// Exception handling first, then the invocation's model budget, then the admin check of admin functions, then the
    /// org context for every invocation, and innermost the completion of the HTTP answer as soon as the function returns.
    /// </summary>
    public static IFunctionsWorkerApplicationBuilder UseAgentFunctionsMiddleware(this IFunctionsWorkerApplicationBuilder builder)
    {
        builder.UseMiddleware<ExceptionMiddleware>();
        builder.UseMiddleware<ModelBudgetMiddleware>();
        builder.UseMiddleware<AdminOnlyMiddleware>();
        builder.UseMiddleware<OrgContextMiddleware>();
        builder.UseMiddleware<ResponseCompletionMiddleware>();
        return builder;
    }
}
