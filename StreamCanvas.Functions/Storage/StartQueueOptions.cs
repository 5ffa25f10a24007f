namespace StreamCanvas.Storage;

/// <summary>Configuration section "WorkflowStarts": the storage queue runs are started from.</summary>
public sealed class StartQueueOptions
{
    public const string Section = "WorkflowStarts";

    /// <summary>The Functions trigger resolves the queue name from this setting (WorkflowStarts__Queue in app settings).</summary>
    public const string QueueNameExpression = "%WorkflowStarts:Queue%";

    public const string DefaultQueue = "workflow-starts";

    public string Queue { get; set; } = DefaultQueue;

    /// <summary>Where messages that cannot start a run go, with the reason; "&lt;queue&gt;-poison" unless set.</summary>
    public string? PoisonQueue { get; set; }

    /// <summary>
    /// Deliveries before a message that keeps failing for a transient reason is poisoned. Keep it equal to
    /// host.json's extensions.queues.maxDequeueCount, so the handler poisons it (with the reason) before the
    /// Functions host would (without one).
    /// </summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Standalone only: read the queue at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Standalone only: messages taken per receive (1-32).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Standalone only: how long a received message stays hidden; a failed start is retried after it.</summary>
    public int VisibilityTimeoutSeconds { get; set; } = 30;

    /// <summary>Standalone only: the longest wait between polls of an empty queue (the wait doubles up to it).</summary>
    public int MaxPollingIntervalMilliseconds { get; set; } = 5000;

    public string PoisonQueueName => string.IsNullOrEmpty(PoisonQueue) ? $"{Queue}-poison" : PoisonQueue;
}
