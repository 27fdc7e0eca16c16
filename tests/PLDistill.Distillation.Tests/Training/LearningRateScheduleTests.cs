using PLDistill.Distillation.Training;

namespace PLDistill.Distillation.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void Warm_up_rises_linearly_to_the_peak_then_the_cosine_falls_to_the_final_fraction()
    {
        var toZero = new LearningRateSchedule(Peak: 1e-3, WarmupSteps: 10, TotalSteps: 110);
        var toTenth = toZero with { FinalFraction = 0.1 };

        Assert.Equal(1e-4, toZero.At(0), 12);
        Assert.Equal(1e-3, toZero.At(9), 12);                       // the peak at the end of warm-up
        Assert.Equal(0.5e-3, toZero.At(60), 12);                    // half-way down the cosine
        Assert.Equal(0, toZero.At(110), 12);
        Assert.Equal(toZero.At(5), toTenth.At(5), 12);              // warm-up does not depend on the floor
        Assert.Equal(0.55e-3, toTenth.At(60), 12);
        Assert.Equal(1e-4, toTenth.At(110), 12);
        Assert.Equal(1e-4, toTenth.At(500), 12);                    // past the end it stays at the floor
    }
}
