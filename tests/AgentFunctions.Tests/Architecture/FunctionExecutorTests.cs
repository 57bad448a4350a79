using AgentFunctions.Tenancy;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Tests.Architecture;

/// <summary>
/// The worker's generated function executor calls only public function classes directly; ours are internal, and for those it
/// builds a new default executor on every invocation, which compiles the function's invoker (an expression tree, a dynamic
/// method) again each time. The app turns the generator off (<c>FunctionsEnableExecutorSourceGen</c>) so the worker's one
/// default executor compiles each invoker once.
/// </summary>
public sealed class FunctionExecutorTests
{
    [Fact]
    public void AppAssembly_FunctionClassesInternal_CarriesNoGeneratedExecutor()
    {
        var app = typeof(OrgId).Assembly;
        var functionClasses = app.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttributes(typeof(FunctionAttribute), inherit: false).Length > 0))
            .ToList();

        Assert.NotEmpty(functionClasses);
        Assert.All(functionClasses, t => Assert.False(t.IsPublic, $"{t.Name} is public"));
        Assert.DoesNotContain(app.GetTypes(), t => t.Name == "DirectFunctionExecutor");
    }
}
