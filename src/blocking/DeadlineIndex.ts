import type { BlockedClient } from "./BlockedClient.js"

/**
 * The timeout table (Valkey's `clients_timeout_table`): blocked clients with a deadline, as a binary
 * min-heap on the deadline (ties time out in the same pass, in no particular order). Each record
 * keeps its heap position, so removal on unblock is O(log n).
 */
export class DeadlineIndex {
  private readonly heap: Array<BlockedClient> = []

  get size(): number {
    return this.heap.length
  }

  /** The earliest deadline, or undefined when empty. */
  earliest(): number | undefined {
    return this.heap.length === 0 ? undefined : this.heap[0].deadline
  }

  add(record: BlockedClient): void {
    record.heapIndex = this.heap.length
    this.heap.push(record)
    this.up(record.heapIndex)
  }

  remove(record: BlockedClient): void {
    const i = record.heapIndex
    if (i < 0) return
    record.heapIndex = -1
    const last = this.heap.pop()!
    if (i === this.heap.length) return
    this.heap[i] = last
    last.heapIndex = i
    this.up(i)
    this.down(last.heapIndex)
  }

  /** Removes and returns the earliest record whose deadline is at or before `now`. */
  popDue(now: number): BlockedClient | undefined {
    if (this.heap.length === 0 || this.heap[0].deadline > now) return undefined
    const first = this.heap[0]
    this.remove(first)
    return first
  }

  private up(i: number): void {
    const heap = this.heap
    const item = heap[i]
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent].deadline <= item.deadline) break
      heap[i] = heap[parent]
      heap[i].heapIndex = i
      i = parent
    }
    heap[i] = item
    item.heapIndex = i
  }

  private down(i: number): void {
    const heap = this.heap
    const n = heap.length
    const item = heap[i]
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      if (child + 1 < n && heap[child + 1].deadline < heap[child].deadline) child++
      if (heap[child].deadline >= item.deadline) break
      heap[i] = heap[child]
      heap[i].heapIndex = i
      i = child
    }
    heap[i] = item
    item.heapIndex = i
  }
}
