using Azure.Storage.Queues;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSingleton(_ => new QueueServiceClient(builder.Configuration["AzureWebJobsStorage"], new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }));
builder.Build().Run();
