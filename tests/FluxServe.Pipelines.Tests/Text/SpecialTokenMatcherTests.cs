using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

public sealed class SpecialTokenMatcherTests
{
    [Fact]
    public void Leftmost_then_longest()
    {
        var matcher = new SpecialTokenMatcher([new("<a>", 1), new("<ab>", 2), new("b>", 3), new("<extra_id_1>", 4), new("<extra_id_10>", 5)]);
        var text = "x<ab> <a> <extra_id_10> b>";
        var found = new List<(int At, int Id)>();
        for (var position = 0; ;)
        {
            var at = matcher.FindNext(text, position, out var length, out var id);
            if (at < 0)
            {
                break;
            }

            found.Add((at, id));
            position = at + length;
        }

        Assert.Equal([(1, 2), (6, 1), (10, 5), (24, 3)], found);
    }
}
