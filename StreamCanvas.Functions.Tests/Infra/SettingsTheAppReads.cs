using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using StreamCanvas.Hosting;
using StreamCanvas.Standalone;

namespace StreamCanvas.Tests.Infra;

/// <summary>
/// A setting the app reads, keyed as app settings and local.settings.json spell it (Model__Provider). In a
/// per-deployment map, {0} (and {1} one level down) stands for an entry's name: Tools__Connections__{0}__BaseUrl.
/// </summary>
public sealed record AppSetting(string Key, bool LocalOnly, string Source)
{
    public bool IsMapEntry => Key.Contains("{0}", StringComparison.Ordinal);

    /// <summary>The map this entry belongs to: Tools__Connections for Tools__Connections__{0}__BaseUrl.</summary>
    public string? Map => IsMapEntry ? Key[..Key.IndexOf("__{0}", StringComparison.Ordinal)] : null;

    /// <summary>Set by the key itself or, for a connection, by its parts (AzureWebJobsStorage__accountName).</summary>
    public static bool IsSetIn(IEnumerable<string> keys, string key) =>
        keys.Any(k => k == key || k.StartsWith(key + "__", StringComparison.Ordinal));

    public static string ToSettingKey(string configurationKey) => configurationKey.Replace(":", "__", StringComparison.Ordinal);
}

/// <summary>
/// Every setting the app reads, taken from the code: the options classes (each type with a Section constant),
/// <see cref="AppSettingNames"/>, and the keys <see cref="DurableTaskStorage"/> actually looks up.
/// </summary>
public static class SettingsTheAppReads
{
    // Initialised before All, which reads it.
    static readonly string[] LocalOnlyKeys = [.. Constants(typeof(AppSettingNames.Local)).Select(AppSetting.ToSettingKey)];

    public static IReadOnlyList<AppSetting> All { get; } =
        [.. FromOptionsClasses(), .. FromSettingNames(), .. FromDurableTaskStorage()];

    static bool IsLocalOnly(string key) =>
        LocalOnlyKeys.Any(local => key == local || key.StartsWith(local + "__", StringComparison.Ordinal));

    static IEnumerable<AppSetting> FromOptionsClasses()
    {
        foreach (Type type in typeof(AppSettingNames).Assembly.GetTypes())
        {
            if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field &&
                field.GetRawConstantValue() is string section)
            {
                // The standalone host's own options (section "Standalone") mean nothing under the Functions host.
                bool localOnly = type.Namespace == typeof(StandaloneOptions).Namespace;
                foreach (string key in Keys(section, type, 0))
                {
                    yield return new AppSetting(key, localOnly || IsLocalOnly(key), type.Name);
                }
            }
        }
    }

    /// <summary>The keys the configuration binder fills in: properties, nested objects, and dictionaries as maps.</summary>
    static IEnumerable<string> Keys(string prefix, Type type, int depth)
    {
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            string key = $"{prefix}__{property.Name}";
            Type? values = DictionaryValues(property.PropertyType);
            if (values is not null)
            {
                string entry = $"{key}__{{{depth}}}";
                IEnumerable<string> entryKeys = IsScalar(values) ? [entry] : Keys(entry, values, depth + 1);
                foreach (string entryKey in entryKeys)
                {
                    yield return entryKey;
                }
            }
            else if (property.CanWrite && IsScalar(property.PropertyType))
            {
                yield return key;
            }
            else if (property.CanWrite && typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                throw new NotSupportedException($"{type.Name}.{property.Name}: teach this test how a list setting is keyed");
            }
            else if (property.CanWrite)
            {
                foreach (string nested in Keys(key, property.PropertyType, depth))
                {
                    yield return nested;
                }
            }
        }
    }

    static Type? DictionaryValues(Type type) =>
        type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) && i.GetGenericArguments()[0] == typeof(string))
            ?.GetGenericArguments()[1];

    static bool IsScalar(Type type)
    {
        Type inner = Nullable.GetUnderlyingType(type) ?? type;
        return inner.IsPrimitive || inner.IsEnum || inner == typeof(string) || inner == typeof(decimal) ||
               inner == typeof(TimeSpan) || inner == typeof(Uri) || inner == typeof(DateTimeOffset);
    }

    static IEnumerable<AppSetting> FromSettingNames() =>
        Constants(typeof(AppSettingNames))
            .Concat(typeof(AppSettingNames).GetNestedTypes().SelectMany(Constants))
            .Select(AppSetting.ToSettingKey)
            .Select(key => new AppSetting(key, IsLocalOnly(key), nameof(AppSettingNames)));

    /// <summary>
    /// Runs <see cref="DurableTaskStorage.Create"/> on a configuration that records each key looked up. A key
    /// under another recorded key (AzureWebJobsStorage:accountName) is a form of that setting, not one of its own.
    /// </summary>
    static IEnumerable<AppSetting> FromDurableTaskStorage()
    {
        var recorder = new RecordingConfigurationSource();
        IConfiguration configuration = new ConfigurationBuilder().Add(recorder).Build();
        _ = DurableTaskStorage.Create(configuration, NullLoggerFactory.Instance);
        _ = DurableTaskStorage.LockRenewInterval(configuration);

        string[] keys = [.. recorder.Keys.Select(AppSetting.ToSettingKey).Distinct()];
        return keys
            .Where(key => !keys.Any(other => key.StartsWith(other + "__", StringComparison.Ordinal)))
            .Select(key => new AppSetting(key, IsLocalOnly(key), nameof(DurableTaskStorage)));
    }

    static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);

    sealed class RecordingConfigurationSource : IConfigurationSource
    {
        public List<string> Keys { get; } = [];

        public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(Keys);

        sealed class Provider(List<string> keys) : ConfigurationProvider
        {
            public override bool TryGet(string key, out string? value)
            {
                keys.Add(key);
                return base.TryGet(key, out value);
            }
        }
    }
}
