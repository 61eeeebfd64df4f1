using FluxServe.Server.Accounts;
using FluxServe.Server.Configuration;
using FluxServe.Server.Loras;
using FluxServe.Server.Storage;
using FluxServe.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Tests.Loras;

/// <summary><see cref="LoraStore"/> on a real SQLite file, checking LoRAs against the tiny FLUX.1-dev of the fixtures.</summary>
public sealed class LoraStoreTests : IDisposable
{
    private readonly string _data = TemporaryFolder.Create();
    private readonly string _work = TemporaryFolder.Create();
    private readonly ServerDatabase _database;
    private readonly AccountStore _accounts;
    private readonly LoraStore _store;

    public LoraStoreTests()
    {
        _database = ServerDatabase.Open(_data, TimeSpan.FromSeconds(5));
        _accounts = new AccountStore(_database, TimeProvider.System);
        _store = Store(LoraFiles.TinyDevModels);
    }

    public void Dispose()
    {
        _database.Dispose();
        TemporaryFolder.Delete(_data);
        TemporaryFolder.Delete(_work);
    }

    [Fact]
    public void The_base_config_is_the_installed_dev_models_else_the_real_flux_dev_shape()
    {
        var tiny = _store.BaseModelConfig();
        Assert.Equal((128, 2, 2, true), (tiny.HiddenSize, tiny.Depth, tiny.DepthSingleBlocks, tiny.GuidanceEmbed));

        var real = Store(TemporaryFolder.Create()).BaseModelConfig();
        Assert.Equal((3072, 19, 38, "dev"), (real.HiddenSize, real.Depth, real.DepthSingleBlocks, real.Variant));
    }

    [Fact]
    public void Register_copies_hashes_and_finds_by_endpoint_name_only_with_the_right_name()
    {
        long account = NewAccount();
        string source = LoraFiles.Fixture("lora_kohya.safetensors");
        var record = _store.Register("my.style_v2", source, account, "  bmw  ", CancellationToken.None);

        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", record.Id);
        Assert.Equal($"{record.Id}-my.style_v2", record.EndpointName);
        Assert.Equal(Path.Combine(_data, "loras", record.Id + ".safetensors"), record.FilePath);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(record.FilePath));
        Assert.Equal(LoraFiles.Sha256(source), record.Sha256);
        Assert.Equal(new FileInfo(source).Length, record.Bytes);
        Assert.Equal("bmw", record.Trigger);
        Assert.Equal(account, record.AccountId);
        // LoraSummary.ToString() of the stored copy: the fixture's 36 layers in kohya naming.
        Assert.StartsWith($"{record.Id}.safetensors: ", record.Summary, StringComparison.Ordinal);
        Assert.Contains("36 transformer layers", record.Summary, StringComparison.Ordinal);
        Assert.Contains("Kohya", record.Summary, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([record.Id + ".safetensors"], Directory.GetFiles(_store.Folder).Select(Path.GetFileName));

        Assert.Equal(record, _store.Find(record.EndpointName));
        Assert.Equal(record, _store.Find(record.EndpointName.ToUpperInvariant()[..36] + "-my.style_v2"));
        Assert.Equal(record, _store.Get(record.Id));
        Assert.Null(_store.Find($"{record.Id}-my.style_v3"));
        Assert.Null(_store.Find($"{record.Id}-"));
        Assert.Null(_store.Find(record.Id));
        Assert.Null(_store.Find($"{Guid.NewGuid()}-my.style_v2"));
        Assert.Null(_store.Find("flux-dev"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-starts-with-dash")]
    [InlineData(".hidden")]
    [InlineData("has space")]
    [InlineData("slash/name")]
    [InlineData("ünïcode")]
    [InlineData("a2345678901234567890123456789012345678901234567890123456789012345")]
    public void Bad_names_are_refused_before_anything_is_copied(string name)
    {
        long account = NewAccount();
        var error = Assert.Throws<LoraRegistrationException>(() =>
            _store.Register(name, LoraFiles.Fixture("lora_bfl.safetensors"), account, null, CancellationToken.None));
        Assert.Equal((LoraRefusal.InvalidName, "name"), (error.Reason, error.Field));
        Assert.Contains(LoraEndpointName.NameRule, error.Message, StringComparison.Ordinal);
        AssertNothingStored();
    }

    [Fact]
    public void Names_at_the_limits_are_accepted()
    {
        Assert.True(LoraEndpointName.IsValidName("a"));
        Assert.True(LoraEndpointName.IsValidName("9"));
        Assert.True(LoraEndpointName.IsValidName(new string('z', 64)));
        Assert.True(LoraEndpointName.IsValidName("A-b_c.D"));
        Assert.False(LoraEndpointName.IsValidName(new string('z', 65)));
        Assert.False(LoraEndpointName.IsValidName("_a"));
    }

    [Fact]
    public void An_unknown_account_is_refused()
    {
        var error = Assert.Throws<LoraRegistrationException>(() =>
            _store.Register("x", LoraFiles.Fixture("lora_bfl.safetensors"), 4242, null, CancellationToken.None));
        Assert.Equal((LoraRefusal.UnknownAccount, "account"), (error.Reason, error.Field));
        AssertNothingStored();
    }

    [Fact]
    public void A_lora_for_another_shape_is_refused_with_the_loaders_key_list_and_leaves_nothing()
    {
        long account = NewAccount();
        string file = LoraFiles.OtherShape(_work);
        var error = Assert.Throws<LoraRegistrationException>(() => _store.Register("other", file, account, null, CancellationToken.None));
        Assert.Equal((LoraRefusal.NotALora, "file"), (error.Reason, error.Field));
        Assert.StartsWith($"{file}: cannot be used as a LoRA for FLUX.1-dev:", error.Message, StringComparison.Ordinal);
        Assert.Contains("lora_unet_double_blocks_0_img_attn_proj", error.Message, StringComparison.Ordinal);
        Assert.Contains("lora_unet_double_blocks_7_img_attn_qkv", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".staging-", error.Message, StringComparison.Ordinal);
        AssertNothingStored();
    }

    [Fact]
    public void The_tiny_lora_is_refused_by_the_real_flux_dev_shape_when_no_dev_model_is_installed()
    {
        long account = NewAccount();
        var store = Store(TemporaryFolder.Create());
        var error = Assert.Throws<LoraRegistrationException>(() =>
            store.Register("tiny", LoraFiles.Fixture("lora_bfl.safetensors"), account, null, CancellationToken.None));
        Assert.Equal(LoraRefusal.NotALora, error.Reason);
        Assert.Contains("diffusion_model.double_blocks.0.img_attn.qkv", error.Message, StringComparison.Ordinal);
        Assert.Contains("3072", error.Message, StringComparison.Ordinal);
        AssertNothingStored();
    }

    [Fact]
    public void A_checkpoint_and_a_file_that_is_not_safetensors_are_refused_and_leave_nothing()
    {
        long account = NewAccount();
        string checkpoint = LoraFiles.NotALora(_work);
        var error = Assert.Throws<LoraRegistrationException>(() => _store.Register("ckpt", checkpoint, account, null, CancellationToken.None));
        Assert.Equal(LoraRefusal.NotALora, error.Reason);
        Assert.Contains("'img_in.weight'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'txt_in.bias'", error.Message, StringComparison.Ordinal);

        string text = Path.Combine(_work, "notes.safetensors");
        File.WriteAllText(text, "this is not a tensor file at all, just some words");
        error = Assert.Throws<LoraRegistrationException>(() => _store.Register("text", text, account, null, CancellationToken.None));
        Assert.Equal((LoraRefusal.NotALora, "file"), (error.Reason, error.Field));
        Assert.StartsWith($"{text} is not a safetensors file", error.Message, StringComparison.Ordinal);
        AssertNothingStored();
    }

    [Fact]
    public async Task An_upload_over_the_cap_is_refused_without_reading_on_and_leaves_nothing()
    {
        byte[] content = File.ReadAllBytes(LoraFiles.Fixture("lora_bfl.safetensors"));
        using var stream = new MemoryStream(content);
        var error = await Assert.ThrowsAsync<LoraRegistrationException>(() =>
            _store.StageAsync(stream, "big.safetensors", content.Length - 1, CancellationToken.None));
        Assert.Equal((LoraRefusal.TooLarge, "file"), (error.Reason, error.Field));
        AssertNothingStored();

        stream.Position = 0;
        using var staged = await _store.StageAsync(stream, "exact.safetensors", content.Length, CancellationToken.None);
        Assert.Equal((long)content.Length, staged.Bytes);
        Assert.Equal(LoraFiles.Sha256(LoraFiles.Fixture("lora_bfl.safetensors")), staged.Sha256);
    }

    [Fact]
    public void Remove_marks_the_row_removed_deletes_the_file_and_keeps_the_id_readable()
    {
        long alice = NewAccount();
        long bob = NewAccount();
        var a = _store.Register("a", LoraFiles.Fixture("lora_bfl.safetensors"), alice, null, CancellationToken.None);
        var b = _store.Register("b", LoraFiles.Fixture("lora_diffusers.safetensors"), bob, null, CancellationToken.None);
        Assert.Equal([a.Id, b.Id], _store.List().Select(r => r.Id));
        Assert.Equal([b.Id], _store.List(bob).Select(r => r.Id));

        Assert.False(_store.Remove($"{a.Id}-wrong"));
        Assert.True(File.Exists(a.FilePath));
        Assert.True(_store.Remove(a.EndpointName));
        Assert.False(File.Exists(a.FilePath));
        Assert.Null(_store.Find(a.EndpointName));
        Assert.Equal([b.Id], _store.List().Select(r => r.Id));
        Assert.Empty(_store.List(alice));
        Assert.NotNull(_store.Get(a.Id)?.RemovedAt);
        Assert.False(_store.Remove(a.EndpointName));
        Assert.Equal(1L, _database.Sqlite.Read(c => c.ScalarInt64("SELECT count(*) FROM loras WHERE removed_at IS NOT NULL")));
    }

    [Fact]
    public void A_registration_made_through_another_store_on_the_same_file_is_seen_at_once()
    {
        long account = NewAccount();
        using var other = ServerDatabase.Open(_data, TimeSpan.FromSeconds(5));
        var record = new LoraStore(other, Options.Create(Models(LoraFiles.TinyDevModels)), TimeProvider.System)
            .Register("elsewhere", LoraFiles.Fixture("lora_kohya_bf16.safetensors"), account, null, CancellationToken.None);
        Assert.Equal(record, _store.Find(record.EndpointName));
    }

    [Fact]
    public void A_version_1_database_migrates_and_keeps_its_accounts_and_keys()
    {
        string folder = TemporaryFolder.Create();
        string key;
        long account;
        using (var database = ServerDatabase.Open(folder, TimeSpan.FromSeconds(5)))
        {
            var created = new AccountStore(database, TimeProvider.System).CreateKey("old", 2_500_000, ["flux-dev"]);
            (key, account) = (created.Key, created.Info.AccountId);
            // Back to the released version 1 schema: what migration 2 adds is taken away again.
            database.Sqlite.Write(c =>
            {
                c.Execute("DROP INDEX loras_by_account; DROP TABLE loras; ALTER TABLE api_keys DROP COLUMN admin; PRAGMA user_version = 1;");
                return 0;
            });
            Assert.Equal(0L, database.Sqlite.Read(c => c.ScalarInt64("SELECT count(*) FROM sqlite_master WHERE name = 'loras'")));
        }

        using (var database = ServerDatabase.Open(folder, TimeSpan.FromSeconds(5)))
        {
            Assert.Equal(2, ServerDatabase.SchemaVersion);
            Assert.Equal(2L, database.Sqlite.Read(c => c.ScalarInt64("PRAGMA user_version")));
            var accounts = new AccountStore(database, TimeProvider.System);
            var caller = accounts.Authenticate(key);
            Assert.NotNull(caller);
            Assert.Equal(account, caller.AccountId);
            Assert.False(caller.IsAdmin);
            Assert.Equal(["flux-dev"], caller.Models);
            Assert.Equal(2_500_000, accounts.Balance(account));
            Assert.False(Assert.Single(accounts.ListKeys()).IsAdmin);

            var store = new LoraStore(database, Options.Create(Models(LoraFiles.TinyDevModels)), TimeProvider.System);
            Assert.Empty(store.List());
            var record = store.Register("after", LoraFiles.Fixture("lora_bfl.safetensors"), account, null, CancellationToken.None);
            Assert.Equal(record, store.Find(record.EndpointName));
        }

        TemporaryFolder.Delete(folder);
    }

    [Fact]
    public void Admin_keys_say_so_when_authenticated_and_listed()
    {
        var admin = _accounts.CreateKey("ops", 0, null, admin: true);
        var plain = _accounts.CreateKey("user", 0, null);
        Assert.True(_accounts.Authenticate(admin.Key)?.IsAdmin);
        Assert.False(_accounts.Authenticate(plain.Key)?.IsAdmin);
        Assert.True(admin.Info.IsAdmin);
        Assert.Equal([true, false], _accounts.ListKeys().OrderBy(k => k.Name, StringComparer.Ordinal).Select(k => k.IsAdmin));
    }

    private static ModelsOptions Models(string folder)
    {
        var options = new ModelsOptions();
        options.Folders.Add(folder);
        return options;
    }

    private LoraStore Store(string modelsFolder) => new(_database, Options.Create(Models(modelsFolder)), TimeProvider.System);

    private long NewAccount() => _accounts.CreateKey("owner", 0, null).Info.AccountId;

    private void AssertNothingStored()
    {
        Assert.Empty(Directory.EnumerateFileSystemEntries(_store.Folder));
        Assert.Equal(0L, _database.Sqlite.Read(c => c.ScalarInt64("SELECT count(*) FROM loras")));
        Assert.Empty(_store.List());
    }
}
