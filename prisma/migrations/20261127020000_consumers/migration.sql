-- CreateTable
CREATE TABLE "processed_events" (
    "consumer_group" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("consumer_group","event_id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "event_type" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "task_id" TEXT,
    "payload" JSONB NOT NULL,
    "headers" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broadcast_sequences" (
    "user_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "broadcast_sequences_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "recurrence_schedules" (
    "template_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "pattern" TEXT NOT NULL,
    "anchor" TIMESTAMPTZ(3) NOT NULL,
    "next_occurrence_at" TIMESTAMPTZ(3),
    "title" TEXT NOT NULL,
    "description" TEXT,
    "priority" "Priority" NOT NULL DEFAULT 'Medium',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "due_offset_minutes" INTEGER,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "template_version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "recurrence_schedules_pkey" PRIMARY KEY ("template_id")
);

-- CreateTable
CREATE TABLE "recurrence_instances" (
    "template_id" UUID NOT NULL,
    "occurrence_at" TIMESTAMPTZ(3) NOT NULL,
    "task_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recurrence_instances_pkey" PRIMARY KEY ("template_id","occurrence_at")
);

-- CreateTable
CREATE TABLE "reminder_triggers" (
    "reminder_id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "task_title" TEXT,
    "remind_at" TIMESTAMPTZ(3) NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "triggered_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reminder_triggers_pkey" PRIMARY KEY ("reminder_id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "reminder_id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "remind_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_log_event_id_key" ON "audit_log"("event_id");

-- CreateIndex
CREATE INDEX "audit_log_user_id_id_idx" ON "audit_log"("user_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_user_id_task_id_id_idx" ON "audit_log"("user_id", "task_id", "id");

-- CreateIndex
CREATE INDEX "recurrence_schedules_active_next_occurrence_at_idx" ON "recurrence_schedules"("active", "next_occurrence_at");

-- CreateIndex
CREATE INDEX "reminder_triggers_state_remind_at_idx" ON "reminder_triggers"("state", "remind_at");

-- CreateIndex
CREATE UNIQUE INDEX "notifications_reminder_id_key" ON "notifications"("reminder_id");

-- CreateIndex
CREATE INDEX "notifications_user_id_created_at_idx" ON "notifications"("user_id", "created_at");

