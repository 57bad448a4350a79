using AgentFunctions.Tenancy;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests;

/// <summary>
/// The least <see cref="FunctionContext"/> a function body needs to call it directly: an invocation scope
/// whose <see cref="OrgContext"/> already holds the resolved org, as <c>OrgContextMiddleware</c> leaves it.
/// </summary>
internal sealed class OrgFunctionContext : FunctionContext
{
    public OrgFunctionContext(OrgId orgId)
    {
        var services = new ServiceCollection().AddScoped<OrgContext>().BuildServiceProvider();
        InstanceServices = services.CreateScope().ServiceProvider;
        InstanceServices.GetRequiredService<OrgContext>().Set(orgId, "test");
    }

    public override string InvocationId => "test-invocation";

    public override string FunctionId => "test-function";

    public override TraceContext TraceContext => throw new NotSupportedException();

    public override BindingContext BindingContext => throw new NotSupportedException();

    public override RetryContext RetryContext => throw new NotSupportedException();

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition => throw new NotSupportedException();

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => throw new NotSupportedException();
}
