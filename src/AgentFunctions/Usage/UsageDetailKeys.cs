using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AgentFunctions.Usage;

/// <summary>
/// RowKeys of the usage detail rows in the <c>Usage</c> table: <c>u|{yyyyMMdd}|{agent}|{principal}|{slot}</c>, where
/// principal is the first 16 bytes of the SHA-256 of the principal in hex (principals may hold characters keys
/// cannot) and slot the writing instance's counter slot (rows written before slots existed have none). <c>u</c> sorts
/// after the day rows (digits), the counter rows (<c>c|</c>) and <c>rpm</c>, so one day's details are the range
/// <c>[u|{day}|, u|{day}})</c>. The agent and principal themselves are properties of the row. Changing this
/// scheme is a breaking change.
/// </summary>
internal static class UsageDetailKeys
{
    public const string AgentProperty = "Agent";
    public const string PrincipalProperty = "Principal";
    private const string Prefix = "u|";

    public static string For(DateOnly day, string agent, string principal, string slot) =>
        $"{DayStart(day)}{agent}|{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(principal)).AsSpan(0, 16))}|{slot}";

    public static string DayStart(DateOnly day) => $"{Prefix}{TableUsageStore.DayKey(day)}|";

    /// <summary>Just after every detail key of <paramref name="day"/> (<c>}</c> sorts after <c>|</c>).</summary>
    public static string DayEnd(DateOnly day) => $"{Prefix}{TableUsageStore.DayKey(day)}}}";

    public static DateOnly DayOf(string rowKey) =>
        DateOnly.ParseExact(rowKey.AsSpan(Prefix.Length, 8), "yyyyMMdd", CultureInfo.InvariantCulture);
}
