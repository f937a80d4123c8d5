package io.ksiem.correlate;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store of the instance together: one block cache that also holds the index and
 * filter blocks, and the memtables charged to it, as Kafka Streams' memory-management guide sets it up. Without it
 * each store takes its own 50 MB block cache and memtables, and the off-heap memory grows with the tasks an
 * instance runs; a flood of backlogs can then exhaust the container before any cap is reached.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {
  /** The instance's bound in bytes, in the Streams settings. */
  public static final String MEMORY_CONFIG = "ksiem.rocksdb.memory.bytes";
  public static final long DEFAULT_MEMORY = 128L << 20;
  private static final long BLOCK_SIZE = 16 * 1024;

  private static Cache cache;
  private static WriteBufferManager writeBuffers;
  private static long bound;

  /** Built once per JVM with the first store's settings: every store shares them, so the bound is the instance's. */
  private static synchronized void init(long bytes) {
    if (cache == null) {
      bound = bytes;
      // half for memtables (charged to the cache), the index and filter blocks get high priority within it
      cache = new LRUCache(bytes, -1, false, 0.1);
      writeBuffers = new WriteBufferManager(bytes / 2, cache);
    }
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Object b = configs.get(MEMORY_CONFIG);
    init(b == null ? DEFAULT_MEMORY : Long.parseLong(b.toString()));
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    table.setBlockSize(BLOCK_SIZE);
    options.setWriteBufferManager(writeBuffers);
    options.setMaxWriteBufferNumber(3);
    options.setWriteBufferSize(Math.max(1L << 20, bound / 8));
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // the cache and the write buffer manager are shared by every store: they live as long as the JVM
  }

  /** Bytes the shared cache holds now (memtables included); 0 before any store opened. */
  public static synchronized long usage() {
    return cache == null ? 0 : cache.getUsage();
  }

  /** The bound the stores share; 0 before any store opened. */
  public static synchronized long bound() {
    return bound;
  }
}
