namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>Work that every member of a <see cref="GemmThreadTeam"/> runs, each with its own index.</summary>
internal interface IGemmTeamWork
{
    /// <summary>Runs this member's share; <paramref name="worker"/> is 0..<paramref name="workers"/>−1 (0 is the caller).</summary>
    void Execute(int worker, int workers);
}
