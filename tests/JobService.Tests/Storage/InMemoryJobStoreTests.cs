namespace JobService.Tests.Storage;

public sealed class InMemoryJobStoreTests : JobStoreContract
{
    protected override Task<StoreNode> StartNodeAsync() => StoreNode.InMemoryAsync();
}
