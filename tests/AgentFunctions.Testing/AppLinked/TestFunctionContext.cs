using System.Collections.Immutable;
using System.Reflection;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Testing.Functions;

/// <summary>
/// (Compiled into each test project that references the app; see AgentFunctions.Testing.csproj.)
/// A <see cref="FunctionContext"/> for calling middleware and function bodies directly: an invocation
/// scope (with the scoped <see cref="OrgContext"/>, like the worker's), the function's definition
/// (name and entry point, which the middleware reads), and optionally the invocation's
/// <see cref="HttpContext"/> where the ASP.NET Core integration puts it.
/// </summary>
internal sealed class TestFunctionContext : FunctionContext
{
    /// <param name="entryPoint">The function method, <c>Namespace.Type.Method</c>; its name is the function's name.</param>
    /// <param name="configure">Extra invocation services (the scope always has <see cref="OrgContext"/>).</param>
    public TestFunctionContext(string entryPoint = "AgentFunctions.Functions.HealthFunctions.Health", Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddScoped<OrgContext>();
        configure?.Invoke(services);
        InstanceServices = services.BuildServiceProvider().CreateScope().ServiceProvider;
        FunctionDefinition = new TestFunctionDefinition(entryPoint);
    }

    /// <summary>
    /// The <see cref="FunctionContext.Items"/> key under which the worker's ASP.NET Core integration keeps the
    /// invocation's <see cref="HttpContext"/> (read from the extension itself, so a change there fails loudly here).
    /// </summary>
    public static string HttpContextKey { get; } = ReadHttpContextKey();

    /// <summary>A context whose <see cref="OrgContext"/> is already resolved, as <c>OrgContextMiddleware</c> leaves it.</summary>
    public static TestFunctionContext ForOrg(OrgId orgId, string principal = "test")
    {
        var context = new TestFunctionContext();
        context.InstanceServices.GetRequiredService<OrgContext>().Set(orgId, principal);
        return context;
    }

    /// <summary>Makes this an HTTP invocation: <c>context.GetHttpContext()</c> returns <paramref name="http"/>.</summary>
    public TestFunctionContext WithHttp(HttpContext http)
    {
        Items[HttpContextKey] = http;
        return this;
    }

    public override string InvocationId { get; } = Guid.NewGuid().ToString("N");

    public override string FunctionId => FunctionDefinition.Id;

    public override TraceContext TraceContext => throw new NotSupportedException();

    public override BindingContext BindingContext => throw new NotSupportedException();

    public override RetryContext RetryContext => throw new NotSupportedException();

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition { get; }

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => throw new NotSupportedException();

    public override CancellationToken CancellationToken { get; }

    private static string ReadHttpContextKey()
    {
        var constants = typeof(Microsoft.Azure.Functions.Worker.FunctionContextExtensions).Assembly
            .GetType("Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore.Constants", throwOnError: true)!;
        var field = constants.GetField("HttpContextKey", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException("The ASP.NET Core integration no longer has Constants.HttpContextKey; update TestFunctionContext.");
        return (string)field.GetValue(null)!;
    }

    private sealed class TestFunctionDefinition(string entryPoint) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => typeof(OrgContext).Assembly.Location;

        public override string EntryPoint => entryPoint;

        public override string Id => $"id-{Name}";

        public override string Name => entryPoint[(entryPoint.LastIndexOf('.') + 1)..];

        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}
